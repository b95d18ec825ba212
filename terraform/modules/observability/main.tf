# Dashboards and alarms are data: dashboards/*.json are rendered with templatefile, alerts/*.yaml are
# decoded and each alarm becomes a CloudWatch alarm notifying one encrypted SNS topic. Adding an alarm
# is a YAML edit plus its runbook; nothing here changes.

locals {
  template_vars = {
    region                   = var.region
    namespace                = var.metric_namespace
    service_name             = var.service_name
    cluster_name             = var.cluster_name
    ecs_service_name         = var.ecs_service_name
    load_balancer_arn_suffix = var.load_balancer_arn_suffix
    target_group_arn_suffix  = var.target_group_arn_suffix
    neo4j_instance_id        = var.neo4j_instance_id
    log_group_name           = var.log_group_name
    xray_group               = aws_xray_group.service.group_name
    xray_faults_group        = aws_xray_group.faults.group_name
    llm_daily_budget_usd     = var.llm_daily_budget_usd
    min_tasks                = var.min_tasks
    deployment               = var.name
    jobs_queue_name          = var.jobs_queue_name
    jobs_dlq_name            = var.jobs_dlq_name
    worker_service_name      = var.worker_service_name
  }

  dashboards = {
    for f in fileset(var.dashboards_dir, "*.json") :
    trimsuffix(f, ".json") => templatefile("${var.dashboards_dir}/${f}", local.template_vars)
  }

  # Alarm names key a for_each, so they must be known at plan time while the cluster name or instance
  # id are not (first apply). The YAML is therefore decoded with each `${var}` left as its own
  # placeholder, and dimension values are swapped for the real ones afterwards; the one numeric
  # template values (the LLM budget, the task floor) are variables, known at plan time.
  placeholders = merge(
    { for k in keys(local.template_vars) : k => "$${${k}}" },
    { llm_daily_budget_usd = var.llm_daily_budget_usd, min_tasks = var.min_tasks },
  )
  placeholder_values = { for k, v in local.template_vars : "$${${k}}" => tostring(v) }

  # Every alarm normalised to one shape, so files may omit the optional keys.
  alarm_files = {
    for f in fileset(var.alerts_dir, "*.yaml") :
    trimsuffix(f, ".yaml") => yamldecode(templatefile("${var.alerts_dir}/${f}", local.placeholders))
  }
  alarms = merge([
    for family, doc in local.alarm_files : {
      for a in doc.alarms : a.name => {
        family              = family
        description         = a.description
        severity            = a.severity
        runbook             = a.runbook
        comparison          = a.comparison
        threshold           = a.threshold
        period              = a.period
        evaluation_periods  = a.evaluation_periods
        datapoints_to_alarm = try(a.datapoints_to_alarm, a.evaluation_periods)
        treat_missing_data  = a.treat_missing_data
        expression          = try(a.expression, null)
        metrics = {
          for id, m in a.metrics : id => {
            namespace  = m.namespace
            name       = m.name
            stat       = m.stat
            dimensions = { for k, v in try(m.dimensions, {}) : k => lookup(local.placeholder_values, v, v) }
          }
        }
      }
    }
  ]...)

  # The AWS Budgets entry of alerts/ (cost.yaml): runbook and notification thresholds; the amount is a variable.
  budget = one([for doc in values(local.alarm_files) : doc.budget if can(doc.budget)])
  # The Billing EstimatedCharges alarm's entry (cost.yaml); the billing module builds it in us-east-1.
  billing = one([for doc in values(local.alarm_files) : doc.billing if can(doc.billing)])
}

# --- notifications -----------------------------------------------------------------------------
data "aws_caller_identity" "current" {}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "CloudWatchAndBudgetsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.alarm_emails)
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

# --- dashboards --------------------------------------------------------------------------------
resource "aws_cloudwatch_dashboard" "this" {
  for_each       = local.dashboards
  dashboard_name = "${var.name}-${each.key}"
  dashboard_body = each.value
}

# --- alarms ------------------------------------------------------------------------------------
resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = local.alarms
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "[${upper(each.value.severity)}] ${each.value.description} Runbook: ${var.runbook_base_url}/${each.value.runbook}"
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints_to_alarm
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = { Severity = each.value.severity, Family = each.value.family }

  dynamic "metric_query" {
    for_each = each.value.metrics
    content {
      id          = metric_query.key
      return_data = each.value.expression == null
      metric {
        namespace   = metric_query.value.namespace
        metric_name = metric_query.value.name
        stat        = metric_query.value.stat
        period      = each.value.period
        dimensions  = metric_query.value.dimensions
      }
    }
  }

  dynamic "metric_query" {
    for_each = each.value.expression == null ? [] : [each.value.expression]
    content {
      id          = "result"
      expression  = metric_query.value
      label       = each.key
      return_data = true
    }
  }
}

# --- Money beside the app's own LLMCostUSD alarm (alerts/cost.yaml) ---------------------------------
# The budget reads the bill of the whole account (or of budget_services): on-demand Bedrock calls carry
# no cost-allocation tags, so a filter on the Project tag would miss the LLM spend it exists to catch.
# Run the deployment in an account of its own (docs/deploy-aws.md, "Cost alarms").
resource "aws_budgets_budget" "daily" {
  name         = "${var.name}-${local.budget.name}"
  budget_type  = "COST"
  time_unit    = "DAILY"
  limit_amount = format("%.2f", var.daily_budget_usd)
  limit_unit   = "USD"

  dynamic "cost_filter" {
    for_each = length(var.budget_services) > 0 ? [var.budget_services] : []
    content {
      name   = "Service"
      values = cost_filter.value
    }
  }

  dynamic "notification" {
    for_each = toset(local.budget.notify_at_percent)
    content {
      comparison_operator       = "GREATER_THAN"
      threshold                 = notification.value
      threshold_type            = "PERCENTAGE"
      notification_type         = "ACTUAL"
      subscriber_sns_topic_arns = [aws_sns_topic.alarms.arn] # the topic's email subscribers get it
    }
  }
}

# Cost Explorer groups and filters by Project only once the tag is an active cost-allocation tag.
# AWS refuses to activate a key it has not yet seen on a bill (up to a day after the first apply in a
# new account): apply with activate_cost_allocation_tag = false then, true the next day.
resource "aws_ce_cost_allocation_tag" "project" {
  count   = var.activate_cost_allocation_tag ? 1 : 0
  tag_key = "Project"
  status  = "Active"
}

# --- X-Ray: sampling and the groups whose trace counts feed the fault-rate alarm -----------------
resource "aws_xray_sampling_rule" "service" {
  rule_name      = substr("${var.name}-api", 0, 32)
  priority       = 100
  reservoir_size = 1
  fixed_rate     = var.xray_sampling_rate
  service_name   = var.service_name
  service_type   = "*"
  host           = "*"
  http_method    = "*"
  url_path       = "*"
  resource_arn   = "*"
  version        = 1
}

resource "aws_xray_group" "service" {
  group_name        = substr(var.name, 0, 32)
  filter_expression = "service(\"${var.service_name}\")"
  insights_configuration {
    insights_enabled      = true
    notifications_enabled = false
  }
}

resource "aws_xray_group" "faults" {
  group_name        = substr("${var.name}-faults", 0, 32)
  filter_expression = "service(\"${var.service_name}\") { fault = true }"
}
