output "vpc_id" {
  description = "The VPC."
  value       = aws_vpc.main.id
}

output "public_subnet_ids" {
  description = "Public subnets (load balancer, NAT), one per AZ."
  value       = aws_subnet.public[*].id
}

output "s3_endpoint" {
  description = "The S3 gateway endpoint on the private route tables."
  value       = aws_vpc_endpoint.s3
}

output "private_subnet_ids" {
  description = "Private subnets (tasks, Neo4j), one per AZ."
  value       = aws_subnet.private[*].id
}
