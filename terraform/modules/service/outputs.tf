output "url" {
  description = "Base URL of the API."
  value       = "${local.https ? "https" : "http"}://${aws_lb.main.dns_name}"
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.main.name
}

output "cluster_arn" {
  description = "ECS cluster ARN (the optional Phoenix service runs in it)."
  value       = aws_ecs_cluster.main.arn
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.api.name
}

output "security_group_id" {
  description = "The tasks' security group (Neo4j admits Bolt from it)."
  value       = aws_security_group.task.id
}

output "load_balancer_arn_suffix" {
  description = "ALB ARN suffix (AWS/ApplicationELB LoadBalancer dimension)."
  value       = aws_lb.main.arn_suffix
}

output "target_group" {
  description = "The target group (tests read its health check)."
  value       = aws_lb_target_group.api
}

output "target_group_arn_suffix" {
  description = "Target group ARN suffix (AWS/ApplicationELB TargetGroup dimension)."
  value       = aws_lb_target_group.api.arn_suffix
}

output "load_balancer_arn" {
  description = "ALB ARN."
  value       = aws_lb.main.arn
}

output "load_balancer" {
  description = "The load balancer (tests read its access-log settings)."
  value       = aws_lb.main
}

output "service" {
  description = "The ECS service (tests read its deployment settings)."
  value       = aws_ecs_service.api
}

output "task_definition" {
  description = "The API task definition (tests read its containers)."
  value       = aws_ecs_task_definition.api
}

output "waf" {
  description = "The web ACL and its association with the load balancer."
  value       = { acl = aws_wafv2_web_acl.api, association = aws_wafv2_web_acl_association.api }
}

output "app_environment" {
  description = "The app's environment without the API's own settings: the worker service runs with it."
  value       = local.app_environment
}

output "app_secrets" {
  description = "Secrets every app container reads (the API adds KW_API_KEYS)."
  value       = local.app_secrets
}

output "collector_container" {
  description = "The ADOT collector's container definition: the worker tasks run one too."
  value       = local.collector_container
}

output "log_group_name" {
  description = "The service's log group (workers log to it too, so EMF metrics and Logs Insights see both)."
  value       = aws_cloudwatch_log_group.service.name
}
