# Arize Phoenix on ECS Fargate with its PostgreSQL (RDS), auth on, reachable only inside the VPC: the
# API tasks export spans to http://phoenix.<name>.internal:6006 (Cloud Map DNS); people reach the UI
# through an SSM port forward (docs/deploy-aws.md). Optional: the root module builds it when
# phoenix_on_ecs is true, otherwise phoenix_endpoint names a Phoenix run elsewhere.

locals {
  port      = 6006
  endpoint  = "http://phoenix.${aws_service_discovery_private_dns_namespace.internal.name}:${local.port}"
  db_secret = aws_db_instance.phoenix.master_user_secret[0].secret_arn
}

# --- network: Phoenix from the API tasks only; the database from Phoenix only --------------------
resource "aws_security_group" "phoenix" {
  name_prefix = "${var.name}-phoenix-"
  description = "Phoenix: OTLP and UI from the API tasks; to its database and image registry"
  vpc_id      = var.vpc_id
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "phoenix_from_clients" {
  security_group_id            = aws_security_group.phoenix.id
  description                  = "OTLP/HTTP and the UI from the API tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.client_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "clients_to_phoenix" {
  security_group_id            = var.client_security_group_id
  description                  = "Spans to Phoenix"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = aws_security_group.phoenix.id
}

# The UI for people: through an SSM port forward from a host in these groups (the Neo4j host).
resource "aws_vpc_security_group_ingress_rule" "phoenix_from_admin_hosts" {
  for_each                     = var.admin_security_group_ids
  security_group_id            = aws_security_group.phoenix.id
  description                  = "The UI through an SSM port forward from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = each.value
}

resource "aws_vpc_security_group_egress_rule" "admin_hosts_to_phoenix" {
  for_each                     = var.admin_security_group_ids
  security_group_id            = each.value
  description                  = "SSM port forward to the Phoenix UI"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = aws_security_group.phoenix.id
}

resource "aws_vpc_security_group_egress_rule" "phoenix_to_db" {
  security_group_id            = aws_security_group.phoenix.id
  description                  = "PostgreSQL"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.db.id
}

resource "aws_vpc_security_group_egress_rule" "phoenix_https" {
  security_group_id = aws_security_group.phoenix.id
  description       = "HTTPS: the image registry, Secrets Manager, CloudWatch Logs"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group" "db" {
  name_prefix = "${var.name}-phoenix-db-"
  description = "Phoenix's PostgreSQL: from Phoenix only"
  vpc_id      = var.vpc_id
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "db_from_phoenix" {
  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from Phoenix"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.phoenix.id
}

# --- database: RDS manages the password in Secrets Manager (never in Terraform state) ---------------
resource "aws_db_subnet_group" "phoenix" {
  name_prefix = "${var.name}-phoenix-"
  subnet_ids  = var.private_subnet_ids
}

resource "aws_db_instance" "phoenix" {
  identifier_prefix                   = "${var.name}-phoenix-"
  engine                              = "postgres"
  engine_version                      = var.postgres_version
  instance_class                      = var.db_instance_class
  allocated_storage                   = var.db_storage_gb
  storage_type                        = "gp3"
  storage_encrypted                   = true
  kms_key_id                          = var.kms_key_arn
  db_name                             = "phoenix"
  username                            = "phoenix"
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = var.kms_key_arn
  db_subnet_group_name                = aws_db_subnet_group.phoenix.name
  vpc_security_group_ids              = [aws_security_group.db.id]
  publicly_accessible                 = false
  backup_retention_period             = 7
  copy_tags_to_snapshot               = true
  deletion_protection                 = true
  skip_final_snapshot                 = false
  final_snapshot_identifier           = "${var.name}-phoenix-final"
  auto_minor_version_upgrade          = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql"]
  #checkov:skip=CKV_AWS_157:Traces are diagnostic data with 7 days of backups; a standby in a second AZ would double the database's cost for them.
  #checkov:skip=CKV_AWS_118:RDS's own CloudWatch metrics suffice for a trace store; enhanced monitoring needs a role and costs per instance.
  #checkov:skip=CKV_AWS_353:Performance Insights is left off: the only client is Phoenix, and RDS's CloudWatch metrics and the exported PostgreSQL log cover a trace store's health.
  #checkov:skip=CKV_AWS_354:Performance Insights is off (see CKV_AWS_353), so there is nothing to encrypt.
  #checkov:skip=CKV2_AWS_30:Statement logging would log every span insert; PostgreSQL's error log is exported instead.
}

# --- Phoenix's auth secret (signs sessions and API keys): put it once, like the API keys ------------
resource "aws_secretsmanager_secret" "phoenix" {
  name                    = "${var.name}/phoenix-server"
  description             = "PHOENIX_SECRET (32+ characters, a digit and a lower-case letter) and PHOENIX_DEFAULT_ADMIN_INITIAL_PASSWORD: {\"secret\", \"admin_password\"}."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
  #checkov:skip=CKV2_AWS_57:Rotating PHOENIX_SECRET invalidates every session and API key; it is rotated by hand with a redeploy.
}

# --- the service --------------------------------------------------------------------------------
resource "aws_cloudwatch_log_group" "phoenix" {
  name              = "/ecs/${var.name}-phoenix"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name_prefix        = "${var.name}-phx-exec-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.phoenix.arn}:*"]
  }
  statement {
    sid       = "InjectSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.db_secret, aws_secretsmanager_secret.phoenix.arn]
  }
  statement {
    sid       = "DecryptSecrets"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_ecs_task_definition" "phoenix" {
  family                   = "${var.name}-phoenix"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 512
  memory                   = 1024
  execution_role_arn       = aws_iam_role.execution.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "work"
  }

  container_definitions = jsonencode([{
    name                   = "phoenix"
    image                  = var.image
    essential              = true
    readonlyRootFilesystem = true
    portMappings           = [{ containerPort = local.port, protocol = "tcp" }]
    mountPoints            = [{ sourceVolume = "work", containerPath = "/phoenix", readOnly = false }]
    environment = [
      { name = "PHOENIX_PORT", value = tostring(local.port) },
      { name = "PHOENIX_WORKING_DIR", value = "/phoenix" },
      { name = "PHOENIX_ENABLE_AUTH", value = "true" },
      { name = "PHOENIX_POSTGRES_HOST", value = aws_db_instance.phoenix.address },
      { name = "PHOENIX_POSTGRES_PORT", value = tostring(aws_db_instance.phoenix.port) },
      { name = "PHOENIX_POSTGRES_USER", value = "phoenix" },
      { name = "PHOENIX_POSTGRES_DB", value = "phoenix" },
    ]
    secrets = [
      { name = "PHOENIX_POSTGRES_PASSWORD", valueFrom = "${local.db_secret}:password::" },
      { name = "PHOENIX_SECRET", valueFrom = "${aws_secretsmanager_secret.phoenix.arn}:secret::" },
      { name = "PHOENIX_DEFAULT_ADMIN_INITIAL_PASSWORD", valueFrom = "${aws_secretsmanager_secret.phoenix.arn}:admin_password::" },
    ]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.phoenix.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "phoenix"
      }
    }
  }])
}

resource "aws_service_discovery_private_dns_namespace" "internal" {
  name        = "${var.name}.internal"
  description = "Private names of ${var.name}'s internal services"
  vpc         = var.vpc_id
}

resource "aws_service_discovery_service" "phoenix" {
  name = "phoenix"
  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.internal.id
    routing_policy = "MULTIVALUE"
    dns_records {
      type = "A"
      ttl  = 10
    }
  }
  health_check_custom_config {
    failure_threshold = 1
  }
}

resource "aws_ecs_service" "phoenix" {
  name                   = "${var.name}-phoenix"
  cluster                = var.cluster_arn
  task_definition        = aws_ecs_task_definition.phoenix.arn
  desired_count          = 1
  launch_type            = "FARGATE"
  enable_execute_command = false
  propagate_tags         = "SERVICE"

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.phoenix.id]
    assign_public_ip = false
  }

  service_registries {
    registry_arn = aws_service_discovery_service.phoenix.arn
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}
