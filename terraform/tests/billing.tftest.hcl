# The account-wide EstimatedCharges alarm (us-east-1), with a mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name             = "kw-test"
  threshold_usd    = 465
  runbook_base_url = "https://example.com/kw/blob/main"
  alarm_emails     = ["sre@example.com"]
  alarm = {
    name               = "aws-estimated-charges"
    description        = "The account's month-to-date estimated charges are above the monthly budget."
    severity           = "critical"
    runbook            = "docs/runbooks/aws-estimated-charges.md"
    period             = 21600
    treat_missing_data = "missing"
  }
}

run "watches_the_whole_bill_and_notifies_the_given_topic" {
  command = apply
  module {
    source = "./modules/billing"
  }
  variables {
    relay_topic     = false
    alarm_topic_arn = "arn:aws:sns:us-east-1:123456789012:kw-test-alarms"
  }

  assert {
    condition = (aws_cloudwatch_metric_alarm.estimated_charges.namespace == "AWS/Billing"
      && aws_cloudwatch_metric_alarm.estimated_charges.metric_name == "EstimatedCharges"
      && aws_cloudwatch_metric_alarm.estimated_charges.dimensions == tomap({ Currency = "USD" })
    && aws_cloudwatch_metric_alarm.estimated_charges.threshold == 465)
    error_message = "the alarm must watch AWS/Billing EstimatedCharges in USD (no service or tag dimension) at the threshold"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.estimated_charges.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:kw-test-alarms"]) && length(aws_sns_topic.relay) == 0
    error_message = "with a topic in us-east-1 the alarm notifies it and makes no relay"
  }
  assert {
    condition     = strcontains(aws_cloudwatch_metric_alarm.estimated_charges.alarm_description, "Runbook: https://example.com/kw/blob/main/docs/runbooks/aws-estimated-charges.md")
    error_message = "the alarm does not link its runbook"
  }
}

run "outside_us_east_1_a_relay_topic_reaches_the_same_people" {
  command = apply
  module {
    source = "./modules/billing"
  }

  assert {
    condition     = length(aws_sns_topic.relay) == 1 && keys(aws_sns_topic_subscription.relay_email) == ["sre@example.com"]
    error_message = "without a topic in us-east-1 the alarm needs a relay topic with the alarm emails"
  }
  assert {
    condition     = contains(aws_cloudwatch_metric_alarm.estimated_charges.alarm_actions, aws_sns_topic.relay[0].arn)
    error_message = "the alarm does not notify its relay topic"
  }
}
