output "task_role_arn" {
  description = "Role the API runs as."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "Role ECS uses to start the task."
  value       = aws_iam_role.execution.arn
}

output "worker_role_arn" {
  description = "Role the ingest workers run as."
  value       = aws_iam_role.worker.arn
}

output "task_policy" {
  description = "The API task role's policy document (its statements), for tests."
  value       = data.aws_iam_policy_document.task["api"]
}

output "worker_policy" {
  description = "The worker task role's policy document (its statements), for tests."
  value       = data.aws_iam_policy_document.task["worker"]
}
