# The whole deployment plans and applies against a mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "billing"
  source = "./tests/mocks"
}

variables {
  owner        = "sre-team"
  image_tag    = "0123abc"
  alarm_emails = ["sre@example.com"]
}

run "http_only_without_certificate" {
  command = apply
  variables {
    environment = "dev"
  }

  assert {
    condition     = startswith(output.api_url, "http://")
    error_message = "without a certificate the API is served over HTTP"
  }
  assert {
    condition     = length(output.dashboard_names) == 5
    error_message = "expected five dashboards"
  }
}

run "https_with_certificate" {
  command = apply
  variables {
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  }

  assert {
    condition     = startswith(output.api_url, "https://")
    error_message = "with a certificate the API is served over HTTPS"
  }
}

run "prod_needs_a_certificate" {
  command = plan
  variables {
    environment     = "prod"
    certificate_arn = null
  }
  expect_failures = [var.certificate_arn]
}

run "the_edge_is_locked" {
  command = apply
  variables {
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  }

  # API keys reach the task from Secrets Manager (the app refuses a public bind without them).
  assert {
    condition = contains([for s in jsondecode(module.service.task_definition.container_definitions)[0].secrets : s.name], "KW_API_KEYS") && alltrue([
      for s in jsondecode(module.service.task_definition.container_definitions)[0].secrets :
    s.valueFrom == module.secrets.api_keys_secret_arn if s.name == "KW_API_KEYS"])
    error_message = "the API task does not get KW_API_KEYS from the API keys secret"
  }
  assert {
    condition     = !contains([for e in jsondecode(module.service.task_definition.container_definitions)[0].environment : e.name], "KW_ALLOW_NO_AUTH")
    error_message = "the production task must not switch the no-auth refusal off"
  }
  # A WAF web ACL with a per-IP rate rule and AWS managed groups, associated with this load balancer.
  assert {
    condition     = module.service.waf.association.resource_arn == module.service.load_balancer_arn && module.service.waf.association.web_acl_arn == module.service.waf.acl.arn
    error_message = "the WAF web ACL is not associated with the load balancer"
  }
  assert {
    condition     = anytrue([for r in module.service.waf.acl.rule : try(r.statement[0].rate_based_statement[0].limit == 2000 && r.statement[0].rate_based_statement[0].aggregate_key_type == "IP" && length(r.action[0].block) == 1, false)])
    error_message = "the web ACL has no rate-based rule at waf_rate_limit"
  }
  assert {
    condition = toset(flatten([for r in module.service.waf.acl.rule : r.statement[0].managed_rule_group_statement[*].name])) == toset([
    "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"])
    error_message = "the web ACL lacks the AWS managed rule groups"
  }
  assert {
    condition     = contains([for s in jsondecode(module.service.task_definition.container_definitions)[0].secrets : s.valueFrom], "${module.secrets.phoenix_secret_arn}:api_key::")
    error_message = "the Phoenix API key does not reach the task from its secret"
  }
  assert {
    condition     = module.network.s3_endpoint.vpc_endpoint_type == "Gateway" && module.network.s3_endpoint.service_name == "com.amazonaws.us-east-1.s3" && length(module.network.s3_endpoint.route_table_ids) == 2
    error_message = "S3 traffic from the private subnets must use the gateway endpoint, not the NAT gateway"
  }
  # Liveness only: a Neo4j restart must not fail every task's health check.
  assert {
    condition     = module.service.target_group.health_check[0].path == "/healthz"
    error_message = "the target group must check /healthz, not /readyz (${module.service.target_group.health_check[0].path})"
  }
  # The load balancer's own 5xx land somewhere: access logs to the bucket that lets it write.
  assert {
    condition     = module.service.load_balancer.access_logs[0].enabled && module.service.load_balancer.access_logs[0].bucket == module.storage.alb_logs_bucket
    error_message = "ALB access logs are not on, or not in the log bucket"
  }
  assert {
    condition     = one(module.service.load_balancer.access_logs).prefix == "alb"
    error_message = "the bucket policy grants the ALB the alb/ prefix only"
  }
}

run "deploys_prove_what_runs" {
  command = apply
  variables {
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    image_tag       = "0123456789ab"
  }

  # /version must report the commit baked into the image, not echo Terraform's input.
  assert {
    condition     = !contains([for c in jsondecode(module.service.task_definition.container_definitions) : contains([for e in c.environment : e.name], "KW_GIT_SHA") if can(c.environment)], true)
    error_message = "a container sets KW_GIT_SHA: /version would echo image_tag instead of the image's build"
  }
  assert {
    condition     = !strcontains(jsonencode([for c in jsondecode(module.service.task_definition.container_definitions) : try(c.environment, [])]), "0123456789ab")
    error_message = "the image tag leaks into the task's environment"
  }
  assert {
    condition     = module.service.service.wait_for_steady_state
    error_message = "apply must wait for the rollout to settle"
  }
  assert {
    condition     = module.service.service.alarms[0].enable && module.service.service.alarms[0].rollback && length(module.service.service.alarms[0].alarm_names) == 3
    error_message = "the service must roll back on its deployment alarms"
  }
  assert {
    condition     = alltrue([for n in module.service.service.alarms[0].alarm_names : contains(module.observability.alarm_names, n)])
    error_message = "a deployment alarm name is not an alarm the observability module creates"
  }
  # Production traces: a ratio of new traces, and no prompts or answers on spans.
  assert {
    condition = alltrue([for e in jsondecode(module.service.task_definition.container_definitions)[0].environment :
    e.value == "false" if e.name == "KW_TRACE_CONTENT"]) && contains([for e in jsondecode(module.service.task_definition.container_definitions)[0].environment : "${e.name}=${e.value}"], "KW_TRACE_SAMPLE_RATIO=0.1")
    error_message = "the production task must sample 10 % and keep content off spans"
  }
  assert {
    condition     = jsondecode(module.service.task_definition.container_definitions)[1].healthCheck.command == ["/healthcheck"] && jsondecode(module.service.task_definition.container_definitions)[0].dependsOn[0].condition == "HEALTHY"
    error_message = "the collector sidecar needs a health check the API waits for"
  }
}

run "phoenix_on_ecs_is_private_authenticated_and_wired_to_the_api" {
  command = apply
  variables {
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    phoenix_on_ecs  = true
  }

  assert {
    condition     = contains([for e in jsondecode(module.service.task_definition.container_definitions)[0].environment : "${e.name}=${e.value}"], "KW_PHOENIX_ENDPOINT=${module.phoenix[0].endpoint}")
    error_message = "the API does not export to the Phoenix it runs"
  }
  assert {
    condition     = module.phoenix[0].endpoint == "http://phoenix.knowledgeweaver-prod.internal:6006"
    error_message = "Phoenix must be reached by its private DNS name on 6006 (got ${module.phoenix[0].endpoint})"
  }
}

run "environment_is_validated" {
  command = plan
  variables {
    environment = "qa"
  }
  expect_failures = [var.environment]
}
