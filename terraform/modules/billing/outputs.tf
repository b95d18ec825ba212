output "alarm_name" {
  description = "Name of the EstimatedCharges alarm (in us-east-1)."
  value       = aws_cloudwatch_metric_alarm.estimated_charges.alarm_name
}

output "topic_arn" {
  description = "The topic the alarm notifies."
  value       = local.topic_arn
}
