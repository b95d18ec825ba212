output "url" {
  description = "Base URL of the API."
  value       = "${local.https ? "https" : "http"}://${aws_lb.main.dns_name}"
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.main.name
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

output "target_group_arn_suffix" {
  description = "Target group ARN suffix (AWS/ApplicationELB TargetGroup dimension)."
  value       = aws_lb_target_group.api.arn_suffix
}
