# The API on ECS Fargate behind an application load balancer, with an AWS Distro for OpenTelemetry
# collector beside it: the app sends OTLP to 127.0.0.1:4318, the collector forwards to X-Ray. The
# environment, secrets and collector the worker service (modules/worker) shares are outputs.
# EMF metric lines on stdout become CloudWatch metrics through the awslogs driver.

locals {
  https          = var.certificate_arn != null
  container_port = 8000
  app_environment = {
    KW_GRAPH_BACKEND             = "neo4j"
    KW_NEO4J_URI                 = var.neo4j_uri
    KW_NEO4J_PASSWORD_SECRET_ARN = var.neo4j_secret_arn
    KW_AWS_REGION                = var.region
    KW_LLM_PROVIDER              = "bedrock"
    KW_LLM_MODEL                 = var.llm_model_id
    KW_EMBEDDING_PROVIDER        = "bedrock"
    KW_EMBEDDING_MODEL           = var.embedding_model_id
    KW_EMBEDDING_DIM             = tostring(var.embedding_dim)
    KW_SPEECH_BUCKET             = var.bucket_name
    KW_SESSION_BACKEND           = "dynamodb"
    KW_SESSIONS_TABLE            = var.sessions_table
    KW_SESSION_IDLE_TTL_S        = tostring(var.session_idle_ttl_s)
    KW_JOB_BACKEND               = "aws"
    KW_JOBS_QUEUE_URL            = var.jobs.queue_url
    KW_JOBS_DLQ_URL              = var.jobs.dlq_url
    KW_JOBS_TABLE                = var.jobs.table_name
    KW_UPLOADS_BUCKET            = var.bucket_name
    KW_JOB_LEASE_S               = tostring(var.jobs.lease_s)
    KW_JOB_MAX_ATTEMPTS          = tostring(var.jobs.max_attempts)
    KW_JOB_RETENTION_S           = tostring(var.jobs.retention_s)
    KW_SERVICE_NAME              = var.service_name
    KW_XRAY_MODE                 = "otlp"
    KW_XRAY_OTLP_ENDPOINT        = "http://127.0.0.1:4318/v1/traces"
    KW_PHOENIX_ENDPOINT          = var.phoenix_endpoint
    KW_LANGFUSE_HOST             = var.langfuse_host
    KW_METRICS                   = "emf"
    KW_DATA_DIR                  = "/data"
    # No KW_GIT_SHA here: /version reports the commit baked into the image at build time, so it proves
    # what runs rather than echoing what Terraform was told (weaver verify-deploy relies on it).
    KW_TRACE_SAMPLE_RATIO = tostring(var.trace_sample_ratio)
    KW_TRACE_CONTENT      = var.trace_content ? "true" : "false"
    AWS_EMF_ENVIRONMENT   = "Local"
  }
  # The API task only serves: its jobs run in the worker service (modules/worker).
  api_environment = merge(local.app_environment, {
    KW_HOST             = "0.0.0.0"
    KW_PORT             = tostring(local.container_port)
    KW_WORKER_PROCESSES = "0"
  })
  # Secrets every container of the app reads; the API adds its keys.
  app_secrets = [
    { name = "KW_LANGFUSE_PUBLIC_KEY", valueFrom = "${var.langfuse_secret_arn}:public_key::" },
    { name = "KW_LANGFUSE_SECRET_KEY", valueFrom = "${var.langfuse_secret_arn}:secret_key::" },
    { name = "KW_PHOENIX_API_KEY", valueFrom = "${var.phoenix_secret_arn}:api_key::" },
  ]
  # The ADOT collector beside the app: it sends OTLP to 127.0.0.1:4318, the collector forwards to X-Ray.
  collector_container = {
    name                   = "otel-collector"
    image                  = var.collector_image
    essential              = true
    readonlyRootFilesystem = true
    command                = ["--config=/etc/ecs/ecs-default-config.yaml"]
    # The default config enables the health_check extension; the image ships this probe for it. A
    # dead collector (essential) stops the task, and ECS replaces it instead of it running untraced.
    healthCheck = {
      command     = ["/healthcheck"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 10
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.service.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "otel"
      }
    }
  }
}

resource "aws_ecs_cluster" "main" {
  name = var.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "service" {
  name              = var.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# --- security groups ---------------------------------------------------------------------------
resource "aws_security_group" "alb" {
  name_prefix = "${var.name}-alb-"
  description = "Load balancer: HTTP/HTTPS from clients, to the tasks"
  vpc_id      = var.vpc_id
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each          = { for pair in setproduct(var.ingress_cidrs, local.https ? [80, 443] : [80]) : "${pair[0]}-${pair[1]}" => pair }
  security_group_id = aws_security_group.alb.id
  description       = "Clients (port ${each.value[1]}${each.value[1] == 80 && local.https ? ", redirected to HTTPS" : ""})"
  ip_protocol       = "tcp"
  from_port         = each.value[1]
  to_port           = each.value[1]
  cidr_ipv4         = each.value[0]
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the API tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
  referenced_security_group_id = aws_security_group.task.id
}

resource "aws_security_group" "task" {
  name_prefix = "${var.name}-task-"
  description = "API tasks: from the load balancer; to AWS APIs, Neo4j and the trace backends"
  vpc_id      = var.vpc_id
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "task_from_alb" {
  security_group_id            = aws_security_group.task.id
  description                  = "From the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "task_https" {
  security_group_id = aws_security_group.task.id
  description       = "HTTPS: Bedrock, Transcribe, S3, Secrets Manager, X-Ray, Phoenix, Langfuse, ECR"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "task_bolt" {
  security_group_id = aws_security_group.task.id
  description       = "Bolt to Neo4j inside the VPC"
  ip_protocol       = "tcp"
  from_port         = 7687
  to_port           = 7687
  cidr_ipv4         = var.vpc_cidr
}

# --- load balancer -----------------------------------------------------------------------------
resource "aws_lb" "main" {
  name                       = substr(var.name, 0, 32)
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 120 # answers stream for up to a minute

  # The load balancer's own answers (502/503/504 when no task is healthy) never reach the app's logs.
  access_logs {
    bucket  = var.access_logs_bucket
    prefix  = "alb"
    enabled = true
  }
}

# --- WAF: per-IP rate limit and AWS managed rules in front of the API ----------------------------
resource "aws_wafv2_web_acl" "api" {
  name        = var.name
  description = "${var.name} API: rate limit per client IP, IP reputation, common exploits, known bad inputs"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 0
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit              = var.waf_rate_limit
        aggregate_key_type = "IP"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-ip-reputation"
    priority = 1
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-ip-reputation"
      sampled_requests_enabled   = true
    }
  }

  # Tor exits and anonymising VPNs are blocked; cloud hosting ranges only counted, since CI runners and
  # server-side clients of the API call from them.
  rule {
    name     = "aws-anonymous-ip"
    priority = 2
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAnonymousIpList"
        rule_action_override {
          name = "HostingProviderIPList"
          action_to_use {
            count {}
          }
        }
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-anonymous-ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-common"
    priority = 3
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"
        # Transcripts (up to KW_MAX_UPLOAD_BYTES) and recordings are far above the rule's 8 KB body
        # limit; the app enforces its own limits (413). Counted, not blocked.
        rule_action_override {
          name = "SizeRestrictions_BODY"
          action_to_use {
            count {}
          }
        }
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-common"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-known-bad-inputs"
    priority = 4
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = var.name
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "api" {
  resource_arn = aws_lb.main.arn
  web_acl_arn  = aws_wafv2_web_acl.api.arn
}

# WAF log groups must be named aws-waf-logs-*; the Authorization header (API keys) is redacted.
resource "aws_cloudwatch_log_group" "waf" {
  name              = "aws-waf-logs-${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_wafv2_web_acl_logging_configuration" "api" {
  resource_arn            = aws_wafv2_web_acl.api.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]
  redacted_fields {
    single_header {
      name = "authorization"
    }
  }
}

resource "aws_lb_target_group" "api" {
  name_prefix          = "kw-"
  port                 = local.container_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30
  #checkov:skip=CKV_AWS_378:TLS ends at the load balancer; ALB-to-task traffic stays inside the VPC's private subnets.

  # Liveness, not readiness: /readyz pings Neo4j, and a Neo4j restart would mark every task unhealthy
  # and have ECS replace them all. Dependencies are the DependencyUp metric and neo4j-unreachable.
  health_check {
    path                = "/healthz"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  # No stickiness: jobs and their progress streams live in SQS and DynamoDB (KW_JOB_BACKEND=aws), so
  # any task answers any job and streams its events.

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.api.arn
    dynamic "redirect" {
      for_each = local.https ? [1] : []
      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
  #checkov:skip=CKV_AWS_2:Port 80 redirects to HTTPS whenever certificate_arn is set; only dev and staging may omit it (prod is refused without one) and then serve plain HTTP by choice.
  #checkov:skip=CKV_AWS_103:TLS is enforced on the HTTPS listener; this one only redirects (or serves dev/staging traffic without a certificate).
}

resource "aws_lb_listener" "https" {
  count             = local.https ? 1 : 0
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

# --- task definition and service ---------------------------------------------------------------
resource "aws_ecs_task_definition" "api" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  task_role_arn            = var.task_role_arn
  execution_role_arn       = var.execution_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "data"
  }

  container_definitions = jsonencode([
    {
      name                   = "api"
      image                  = var.image
      essential              = true
      readonlyRootFilesystem = true
      portMappings           = [{ containerPort = local.container_port, protocol = "tcp" }]
      environment            = [for k, v in local.api_environment : { name = k, value = v } if v != ""]
      # The whole API keys secret is the JSON KW_API_KEYS expects; with none the API refuses to serve.
      secrets     = concat(local.app_secrets, [{ name = "KW_API_KEYS", valueFrom = var.api_keys_secret_arn }])
      mountPoints = [{ sourceVolume = "data", containerPath = "/data", readOnly = false }]
      healthCheck = {
        command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${local.container_port}/healthz', timeout=3)"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 60
      }
      dependsOn = [{ containerName = "otel-collector", condition = "HEALTHY" }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.service.name
          awslogs-region        = var.region
          awslogs-stream-prefix = "api"
        }
      }
    },
    local.collector_container,
  ])
}

resource "aws_ecs_service" "api" {
  name                              = var.name
  cluster                           = aws_ecs_cluster.main.id
  task_definition                   = aws_ecs_task_definition.api.arn
  desired_count                     = var.desired_count
  launch_type                       = "FARGATE"
  health_check_grace_period_seconds = 90
  enable_execute_command            = false
  propagate_tags                    = "SERVICE"

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = local.container_port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # A deployment whose tasks pass their health check but fail users is rolled back too: these alarms
  # going off during the rollout (and its bake time) revert to the previous revision.
  dynamic "alarms" {
    for_each = length(var.deployment_alarm_names) > 0 ? [1] : []
    content {
      alarm_names = var.deployment_alarm_names
      enable      = true
      rollback    = true
    }
  }

  # `terraform apply` returns when the rollout has finished (or fails when it was rolled back), so a
  # pipeline's next step (weaver verify-deploy) checks the settled fleet.
  wait_for_steady_state = var.wait_for_steady_state

  lifecycle {
    # Autoscaling owns the count after the first apply.
    ignore_changes = [desired_count]
  }

  # Both listeners: on the first apply the target group must be attached to the load balancer before
  # the service registers tasks in it (HTTPS forwards to it when a certificate is given).
  depends_on = [aws_lb_listener.http, aws_lb_listener.https]
}

# --- autoscaling on CPU and memory -------------------------------------------------------------
resource "aws_appautoscaling_target" "api" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.api.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_tasks
  max_capacity       = var.max_tasks
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-cpu"
  service_namespace  = aws_appautoscaling_target.api.service_namespace
  resource_id        = aws_appautoscaling_target.api.resource_id
  scalable_dimension = aws_appautoscaling_target.api.scalable_dimension
  policy_type        = "TargetTrackingScaling"

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "memory" {
  name               = "${var.name}-memory"
  service_namespace  = aws_appautoscaling_target.api.service_namespace
  resource_id        = aws_appautoscaling_target.api.resource_id
  scalable_dimension = aws_appautoscaling_target.api.scalable_dimension
  policy_type        = "TargetTrackingScaling"

  target_tracking_scaling_policy_configuration {
    target_value       = var.memory_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageMemoryUtilization"
    }
  }
}
