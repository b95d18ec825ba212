# The alarms and dashboards Terraform builds from alerts/ and dashboards/, with a mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                     = "kw-test"
  region                   = "us-east-1"
  kms_key_arn              = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  alarm_emails             = ["sre@example.com"]
  dashboards_dir           = "../dashboards"
  alerts_dir               = "../alerts"
  runbook_base_url         = "https://example.com/kw/blob/main"
  service_name             = "knowledgeweaver"
  cluster_name             = "kw-test"
  ecs_service_name         = "kw-test"
  worker_service_name      = "kw-test-worker"
  jobs_queue_name          = "kw-test-jobs"
  jobs_dlq_name            = "kw-test-jobs-dlq"
  load_balancer_arn_suffix = "app/kw-test/0123456789abcdef"
  target_group_arn_suffix  = "targetgroup/kw-0123/0123456789abcdef"
  neo4j_instance_id        = "i-0123456789abcdef0"
  log_group_name           = "/ecs/kw-test"
  daily_budget_usd         = 5
  llm_daily_budget_usd     = 3
  xray_sampling_rate       = 0.1
}

run "every_alarm_notifies_the_topic_and_names_its_runbook" {
  command = apply
  module {
    source = "./modules/observability"
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) >= 10
    error_message = "expected every alarm of alerts/*.yaml, got ${length(aws_cloudwatch_metric_alarm.this)}"
  }
  assert {
    condition = alltrue([for a in aws_cloudwatch_metric_alarm.this :
    contains(a.alarm_actions, aws_sns_topic.alarms.arn) && contains(a.ok_actions, aws_sns_topic.alarms.arn)])
    error_message = "an alarm does not notify the SNS topic"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : strcontains(a.alarm_description, "Runbook: https://example.com/kw/blob/main/docs/runbooks/")])
    error_message = "an alarm's description does not link its runbook"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["llm-daily-cost"].threshold == 3
    error_message = "the LLM cost alarm does not follow llm_daily_budget_usd"
  }
  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id == var.kms_key_arn
    error_message = "the alarm topic is not encrypted with the project key"
  }
  assert {
    condition     = length(aws_sns_topic_subscription.email) == 1
    error_message = "alarm_emails were not subscribed"
  }
}

run "outage_alarms_treat_silence_as_an_outage" {
  command = apply
  module {
    source = "./modules/observability"
  }
  variables {
    min_tasks = 2
  }

  # No data from the load balancer's host count or the app's heartbeat means nothing is running.
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["alb-healthy-hosts-low"].treat_missing_data == "breaching" && aws_cloudwatch_metric_alarm.this["app-heartbeat"].treat_missing_data == "breaching"
    error_message = "the healthy-host and heartbeat alarms must treat missing data as breaching"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["alb-healthy-hosts-low"].threshold == 2 && aws_cloudwatch_metric_alarm.this["alb-healthy-hosts-low"].comparison_operator == "LessThanThreshold"
    error_message = "alb-healthy-hosts-low must fire below min_tasks"
  }
  assert {
    condition = alltrue([for m in aws_cloudwatch_metric_alarm.this["alb-healthy-hosts-low"].metric_query : m.metric[0].metric_name == "HealthyHostCount" && m.metric[0].dimensions == tomap({
    LoadBalancer = "app/kw-test/0123456789abcdef", TargetGroup = "targetgroup/kw-0123/0123456789abcdef" })])
    error_message = "alb-healthy-hosts-low does not read this target group's HealthyHostCount"
  }
  # Counts published only when non-zero: missing is "no errors".
  assert {
    condition     = alltrue([for n in ["alb-elb-5xx", "alb-target-5xx", "alb-unhealthy-hosts"] : aws_cloudwatch_metric_alarm.this[n].treat_missing_data == "notBreaching"])
    error_message = "the 5xx and unhealthy-host alarms must treat missing data as not breaching"
  }
  assert {
    condition     = alltrue([for s in ["extract", "embed", "resolve", "write", "transcribe"] : contains(keys(aws_cloudwatch_metric_alarm.this), "ingest-stage-${s}-p95")])
    error_message = "a per-stage latency alarm is missing"
  }
  assert {
    condition     = one(aws_cloudwatch_metric_alarm.this["ingest-stage-extract-p95"].metric_query).metric[0].dimensions == tomap({ Stage = "extract" })
    error_message = "the extract stage alarm does not read StageLatencyMs{Stage=extract}"
  }
}

run "dashboards_decode_and_cover_the_five_areas" {
  command = apply
  module {
    source = "./modules/observability"
  }

  assert {
    condition     = alltrue([for d in aws_cloudwatch_dashboard.this : can(jsondecode(d.dashboard_body).widgets[0])])
    error_message = "a dashboard body does not decode to JSON with widgets"
  }
  assert {
    condition     = toset(keys(aws_cloudwatch_dashboard.this)) == toset(["api", "ingest", "llm-cost", "graph", "infrastructure"])
    error_message = "expected the api, ingest, llm-cost, graph and infrastructure dashboards"
  }
  assert {
    condition     = strcontains(aws_cloudwatch_dashboard.this["graph"].dashboard_body, "i-0123456789abcdef0")
    error_message = "the graph dashboard does not read the Neo4j instance's metrics"
  }
}

run "budget_amount_follows_its_variable" {
  command = apply
  module {
    source = "./modules/observability"
  }
  variables {
    daily_budget_usd = 7.5
  }

  assert {
    condition     = aws_budgets_budget.daily.limit_amount == "7.50" && aws_budgets_budget.daily.time_unit == "DAILY"
    error_message = "budget is ${aws_budgets_budget.daily.limit_amount} per ${aws_budgets_budget.daily.time_unit}, expected 7.50 per DAILY"
  }
  assert {
    condition     = alltrue([for n in aws_budgets_budget.daily.notification : contains(n.subscriber_sns_topic_arns, aws_sns_topic.alarms.arn)])
    error_message = "a budget notification does not go to the alarm topic"
  }
}

run "budget_sees_the_whole_account_by_default" {
  command = apply
  module {
    source = "./modules/observability"
  }

  # No tag filter: on-demand Bedrock calls carry no cost-allocation tag, and a literal or unactivated
  # tag filter tracks $0 and never fires.
  assert {
    condition     = length(aws_budgets_budget.daily.cost_filter) == 0
    error_message = "the default budget must see the whole account, found filters ${jsonencode(aws_budgets_budget.daily.cost_filter)}"
  }
  assert {
    condition     = aws_ce_cost_allocation_tag.project[0].tag_key == "Project" && aws_ce_cost_allocation_tag.project[0].status == "Active"
    error_message = "the Project cost-allocation tag is not activated"
  }
  assert {
    condition     = output.billing_alarm.name == "aws-estimated-charges" && output.billing_alarm.runbook == "docs/runbooks/aws-estimated-charges.md"
    error_message = "alerts/cost.yaml must describe the EstimatedCharges alarm (billing:)"
  }
}

run "budget_counts_only_the_named_services_when_given" {
  command = apply
  module {
    source = "./modules/observability"
  }
  variables {
    budget_services = ["Amazon Bedrock", "Amazon Elastic Container Service"]
  }

  assert {
    condition = (length(aws_budgets_budget.daily.cost_filter) == 1
      && one(aws_budgets_budget.daily.cost_filter).name == "Service"
    && one(aws_budgets_budget.daily.cost_filter).values == tolist(["Amazon Bedrock", "Amazon Elastic Container Service"]))
    error_message = "the budget's filter is ${jsonencode(aws_budgets_budget.daily.cost_filter)}, expected Service = the named services"
  }
}

run "budget_must_be_positive" {
  command = plan
  module {
    source = "./modules/observability"
  }
  variables {
    daily_budget_usd = 0
  }
  expect_failures = [var.daily_budget_usd]
}
