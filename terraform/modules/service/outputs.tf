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
