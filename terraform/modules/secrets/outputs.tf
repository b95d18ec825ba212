output "kms_key_arn" {
  description = "ARN of the project's KMS key."
  value       = aws_kms_key.main.arn
}

output "neo4j_secret_arn" {
  description = "Secret with the generated Neo4j credentials (JSON: username, password)."
  value       = aws_secretsmanager_secret.neo4j.arn
}

output "api_keys_secret_arn" {
  description = "Secret holding KW_API_KEYS (JSON: key -> namespace)."
  value       = aws_secretsmanager_secret.api_keys.arn
}

output "phoenix_secret_arn" {
  description = "Secret with the Phoenix API key (JSON: api_key)."
  value       = aws_secretsmanager_secret.phoenix.arn
}

output "langfuse_secret_arn" {
  description = "Secret with the Langfuse keys (JSON: public_key, secret_key)."
  value       = aws_secretsmanager_secret.langfuse.arn
}
