output "queue_url" {
  description = "The jobs queue (KW_JOBS_QUEUE_URL)."
  value       = aws_sqs_queue.jobs.url
}

output "queue_arn" {
  description = "The jobs queue's ARN (IAM)."
  value       = aws_sqs_queue.jobs.arn
}

output "queue_name" {
  description = "The jobs queue's name (the AWS/SQS QueueName dimension: alarms, scaling)."
  value       = aws_sqs_queue.jobs.name
}

output "dlq_url" {
  description = "The dead-letter queue (KW_JOBS_DLQ_URL)."
  value       = aws_sqs_queue.dead_letters.url
}

output "dlq_arn" {
  description = "The dead-letter queue's ARN (IAM)."
  value       = aws_sqs_queue.dead_letters.arn
}

output "dlq_name" {
  description = "The dead-letter queue's name (the AWS/SQS QueueName dimension)."
  value       = aws_sqs_queue.dead_letters.name
}

output "table_name" {
  description = "The jobs table (KW_JOBS_TABLE)."
  value       = aws_dynamodb_table.jobs.name
}

output "table_arn" {
  description = "The jobs table's ARN (IAM; its index is <arn>/index/by_transcript)."
  value       = aws_dynamodb_table.jobs.arn
}

output "resources" {
  description = "The queues and the table, for tests."
  value = {
    queue       = aws_sqs_queue.jobs
    dead_letter = aws_sqs_queue.dead_letters
    redrive     = aws_sqs_queue_redrive_allow_policy.dead_letters
    table       = aws_dynamodb_table.jobs
  }
}
