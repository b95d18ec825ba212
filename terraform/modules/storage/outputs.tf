output "bucket_name" {
  description = "Media bucket name."
  value       = aws_s3_bucket.media.bucket
}

output "bucket_arn" {
  description = "Media bucket ARN."
  value       = aws_s3_bucket.media.arn
}

output "repository_url" {
  description = "ECR repository URL for the application image."
  value       = aws_ecr_repository.app.repository_url
}

output "alb_logs_bucket" {
  description = "Bucket of the load balancer's access logs (prefix alb/); known once its policy lets the ALB write."
  value       = aws_s3_bucket_policy.alb_logs.bucket
}

output "lifecycle" {
  description = "The media bucket's lifecycle rules, for tests."
  value       = aws_s3_bucket_lifecycle_configuration.media
}
