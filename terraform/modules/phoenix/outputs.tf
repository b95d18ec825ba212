output "endpoint" {
  description = "Phoenix base URL inside the VPC (KW_PHOENIX_ENDPOINT)."
  value       = local.endpoint
}

output "server_secret_arn" {
  description = "Secret to put PHOENIX_SECRET and the initial admin password in, before Phoenix can start."
  value       = aws_secretsmanager_secret.phoenix.arn
}

output "security_group_id" {
  description = "Phoenix's security group."
  value       = aws_security_group.phoenix.id
}

output "service_name" {
  description = "Phoenix's ECS service."
  value       = aws_ecs_service.phoenix.name
}
