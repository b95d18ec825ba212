output "alarm_topic_arn" {
  description = "SNS topic of every alarm and the budget."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_names" {
  description = "CloudWatch dashboard names."
  value       = [for d in aws_cloudwatch_dashboard.this : d.dashboard_name]
}

output "alarm_names" {
  description = "CloudWatch alarm names."
  value       = [for a in aws_cloudwatch_metric_alarm.this : a.alarm_name]
}

output "billing_alarm" {
  description = "The `billing:` entry of alerts/cost.yaml (name, description, severity, runbook, period, treat_missing_data)."
  value       = local.billing
}

output "alarms" {
  description = "The CloudWatch alarms by name (the part after <name>-), for tests."
  value       = aws_cloudwatch_metric_alarm.this
}

output "dashboard_bodies" {
  description = "The rendered dashboard bodies by file name, for tests."
  value       = local.dashboards
}
