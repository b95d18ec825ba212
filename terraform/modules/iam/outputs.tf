output "task_role_arn" {
  description = "Role the application runs as."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "Role ECS uses to start the task."
  value       = aws_iam_role.execution.arn
}

output "task_policy" {
  description = "The task role's policy document (its statements), for tests."
  value       = data.aws_iam_policy_document.task
}
