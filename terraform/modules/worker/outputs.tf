output "service_name" {
  description = "The worker ECS service (the ECS ServiceName dimension)."
  value       = aws_ecs_service.worker.name
}

output "service" {
  description = "The worker service, its task definition and its scaling, for tests."
  value = {
    service    = aws_ecs_service.worker
    task       = aws_ecs_task_definition.worker
    target     = aws_appautoscaling_target.worker
    policy     = aws_appautoscaling_policy.backlog
    containers = jsondecode(aws_ecs_task_definition.worker.container_definitions)
  }
}
