output "table_name" {
  description = "The sessions table (KW_SESSIONS_TABLE)."
  value       = aws_dynamodb_table.sessions.name
}

output "table_arn" {
  description = "The sessions table's ARN (the task role may read and write its items)."
  value       = aws_dynamodb_table.sessions.arn
}

output "table" {
  description = "The table resource, for tests."
  value       = aws_dynamodb_table.sessions
}
