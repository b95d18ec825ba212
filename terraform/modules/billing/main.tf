# The account's month-to-date bill (AWS/Billing EstimatedCharges): every service, no tags, no AWS
# Budgets. Billing publishes it in us-east-1 only, so this module's provider must be us-east-1, and an
# alarm notifies only topics of its own region: with relay_topic it makes one there, same emails.

locals {
  topic_arn = var.relay_topic ? aws_sns_topic.relay[0].arn : var.alarm_topic_arn
}

resource "aws_sns_topic" "relay" {
  count = var.relay_topic ? 1 : 0
  name  = "${var.name}-billing-alarms"
  #checkov:skip=CKV_AWS_26:CloudWatch cannot publish to a topic under the AWS-managed SNS key, and the project key lives in the deployment's region; the topic carries only the alarm's name and threshold.
}

resource "aws_sns_topic_subscription" "relay_email" {
  for_each  = var.relay_topic ? toset(var.alarm_emails) : toset([])
  topic_arn = aws_sns_topic.relay[0].arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "estimated_charges" {
  alarm_name          = "${var.name}-${var.alarm.name}"
  alarm_description   = "[${upper(var.alarm.severity)}] ${var.alarm.description} Runbook: ${var.runbook_base_url}/${var.alarm.runbook}"
  namespace           = "AWS/Billing"
  metric_name         = "EstimatedCharges"
  dimensions          = { Currency = "USD" }
  statistic           = "Maximum"
  period              = var.alarm.period
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.threshold_usd
  treat_missing_data  = var.alarm.treat_missing_data
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = { Severity = var.alarm.severity, Family = "cost" }
}
