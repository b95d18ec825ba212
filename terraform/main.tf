# KnowledgeWeaver on AWS: the API on ECS Fargate behind an ALB, ingest workers as a second ECS
# service fed by SQS (job state in DynamoDB), Neo4j on EC2 in a private subnet, audio and transcripts
# in S3, secrets in Secrets Manager, and the dashboards and alarms that dashboards/ and alerts/
# describe. See docs/deploy-aws.md.

locals {
  name = "${var.project}-${var.environment}"
  # The CloudWatch namespace and OpenTelemetry service name the application emits under.
  metric_namespace = "KnowledgeWeaver"
  service_name     = var.project
  # Fixed here so IAM can scope its log permissions before the service module creates the group.
  service_log_group  = "/ecs/${local.name}"
  availability_zones = coalesce(var.availability_zones, ["${var.region}a", "${var.region}b"])
  # Alarms (alerts/*.yaml) that roll an ECS deployment back when they fire during it.
  deployment_alarms = ["alb-target-5xx", "alb-unhealthy-hosts", "api-error-rate"]
}

data "aws_caller_identity" "current" {}

module "secrets" {
  source = "./modules/secrets"

  name       = local.name
  account_id = data.aws_caller_identity.current.account_id
  region     = var.region
}

module "network" {
  source = "./modules/network"

  name               = local.name
  cidr               = var.vpc_cidr
  availability_zones = local.availability_zones
  single_nat_gateway = var.single_nat_gateway
  kms_key_arn        = module.secrets.kms_key_arn
  log_retention_days = var.log_retention_days
}

module "storage" {
  source = "./modules/storage"

  name                   = local.name
  kms_key_arn            = module.secrets.kms_key_arn
  account_id             = data.aws_caller_identity.current.account_id
  alb_log_retention_days = var.alb_log_retention_days
  backup_retain_days     = var.backup_retain_days
  uploads_expire_days    = var.job_retention_days + 15
}

module "sessions" {
  source = "./modules/sessions"

  name                = local.name
  kms_key_arn         = module.secrets.kms_key_arn
  deletion_protection = var.sessions_deletion_protection
}

module "jobs" {
  source = "./modules/jobs"

  name                = local.name
  kms_key_arn         = module.secrets.kms_key_arn
  max_attempts        = var.job_max_attempts
  lease_s             = var.job_lease_s
  deletion_protection = var.jobs_deletion_protection
}

module "iam" {
  source = "./modules/iam"

  name               = local.name
  region             = var.region
  account_id         = data.aws_caller_identity.current.account_id
  bedrock_model_ids  = var.bedrock_model_ids
  bucket_arn         = module.storage.bucket_arn
  kms_key_arn        = module.secrets.kms_key_arn
  sessions_table_arn = module.sessions.table_arn
  jobs_table_arn     = module.jobs.table_arn
  jobs_queue_arn     = module.jobs.queue_arn
  jobs_dlq_arn       = module.jobs.dlq_arn
  secret_arns = [
    module.secrets.neo4j_secret_arn,
    module.secrets.langfuse_secret_arn,
    module.secrets.api_keys_secret_arn,
    module.secrets.phoenix_secret_arn,
  ]
  log_group_name   = local.service_log_group
  metric_namespace = local.metric_namespace
  # The app names Transcribe jobs "<KW_SERVICE_NAME>-<hash>" (backend/speech/transcribe.py).
  transcribe_job_prefix = local.service_name
}

module "neo4j" {
  source = "./modules/neo4j"

  name                      = local.name
  region                    = var.region
  vpc_id                    = module.network.vpc_id
  subnet_id                 = module.network.private_subnet_ids[0]
  client_security_group_ids = [module.service.security_group_id]
  instance_type             = var.neo4j_instance_type
  volume_gb                 = var.neo4j_volume_gb
  kms_key_arn               = module.secrets.kms_key_arn
  password_secret_arn       = module.secrets.neo4j_secret_arn
  snapshot_retain_days      = var.snapshot_retain_days
  log_retention_days        = var.log_retention_days
  backup_bucket_name        = module.storage.bucket_name
  backup_bucket_arn         = module.storage.bucket_arn
}

# Optional: Phoenix with its database and auth on ECS, reachable only inside the VPC.
module "phoenix" {
  source = "./modules/phoenix"
  count  = var.phoenix_on_ecs ? 1 : 0

  name                     = local.name
  region                   = var.region
  account_id               = data.aws_caller_identity.current.account_id
  vpc_id                   = module.network.vpc_id
  private_subnet_ids       = module.network.private_subnet_ids
  client_security_group_id = module.service.security_group_id
  admin_security_group_ids = { neo4j_host = module.neo4j.security_group_id }
  cluster_arn              = module.service.cluster_arn
  kms_key_arn              = module.secrets.kms_key_arn
  log_retention_days       = var.log_retention_days
}

module "service" {
  source = "./modules/service"

  name                = local.name
  region              = var.region
  vpc_id              = module.network.vpc_id
  vpc_cidr            = var.vpc_cidr
  public_subnet_ids   = module.network.public_subnet_ids
  private_subnet_ids  = module.network.private_subnet_ids
  ingress_cidrs       = var.ingress_cidrs
  certificate_arn     = var.certificate_arn
  image               = "${module.storage.repository_url}:${var.image_tag}"
  task_cpu            = var.task_cpu
  task_memory         = var.task_memory
  desired_count       = var.desired_count
  min_tasks           = var.min_tasks
  max_tasks           = var.max_tasks
  task_role_arn       = module.iam.task_role_arn
  execution_role_arn  = module.iam.execution_role_arn
  log_group_name      = local.service_log_group
  log_retention_days  = var.log_retention_days
  kms_key_arn         = module.secrets.kms_key_arn
  service_name        = local.service_name
  bucket_name         = module.storage.bucket_name
  neo4j_uri           = "neo4j://${module.neo4j.private_ip}:7687"
  neo4j_secret_arn    = module.secrets.neo4j_secret_arn
  langfuse_secret_arn = module.secrets.langfuse_secret_arn
  api_keys_secret_arn = module.secrets.api_keys_secret_arn
  phoenix_secret_arn  = module.secrets.phoenix_secret_arn
  access_logs_bucket  = module.storage.alb_logs_bucket
  waf_rate_limit      = var.waf_rate_limit
  trace_sample_ratio  = var.xray_sampling_rate
  trace_content       = var.trace_content
  # Names are fixed by alerts/*.yaml (not read from the observability module, which depends on this
  # one); a terraform test checks every name is an alarm that module creates.
  deployment_alarm_names = [for a in local.deployment_alarms : "${local.name}-${a}"]
  llm_model_id           = var.bedrock_model_ids[0]
  embedding_model_id     = var.bedrock_model_ids[1]
  phoenix_endpoint       = var.phoenix_on_ecs ? module.phoenix[0].endpoint : var.phoenix_endpoint
  langfuse_host          = var.langfuse_host
  sessions_table         = module.sessions.table_name
  session_idle_ttl_s     = var.session_idle_ttl_s
  jobs = {
    queue_url    = module.jobs.queue_url
    dlq_url      = module.jobs.dlq_url
    table_name   = module.jobs.table_name
    lease_s      = var.job_lease_s
    max_attempts = var.job_max_attempts
    retention_s  = var.job_retention_days * 86400
  }
}

module "worker" {
  source = "./modules/worker"

  name                = local.name
  region              = var.region
  cluster_arn         = module.service.cluster_arn
  cluster_name        = module.service.cluster_name
  private_subnet_ids  = module.network.private_subnet_ids
  security_group_id   = module.service.security_group_id
  image               = "${module.storage.repository_url}:${var.image_tag}"
  task_cpu            = var.worker_cpu
  task_memory         = var.worker_memory
  task_role_arn       = module.iam.worker_role_arn
  execution_role_arn  = module.iam.execution_role_arn
  environment         = module.service.app_environment
  secrets             = module.service.app_secrets
  collector_container = module.service.collector_container
  log_group_name      = module.service.log_group_name
  jobs_at_once        = var.worker_jobs_at_once
  queue_name          = module.jobs.queue_name
  min_tasks           = var.worker_min_tasks
  max_tasks           = var.worker_max_tasks
  backlog_per_task    = var.worker_backlog_per_task
}

module "observability" {
  source = "./modules/observability"

  name                         = local.name
  region                       = var.region
  kms_key_arn                  = module.secrets.kms_key_arn
  alarm_emails                 = var.alarm_emails
  dashboards_dir               = "${path.root}/../dashboards"
  alerts_dir                   = "${path.root}/../alerts"
  runbook_base_url             = var.runbook_base_url
  metric_namespace             = local.metric_namespace
  service_name                 = local.service_name
  cluster_name                 = module.service.cluster_name
  ecs_service_name             = module.service.service_name
  worker_service_name          = module.worker.service_name
  jobs_queue_name              = module.jobs.queue_name
  jobs_dlq_name                = module.jobs.dlq_name
  load_balancer_arn_suffix     = module.service.load_balancer_arn_suffix
  target_group_arn_suffix      = module.service.target_group_arn_suffix
  neo4j_instance_id            = module.neo4j.instance_id
  log_group_name               = local.service_log_group
  daily_budget_usd             = var.daily_budget_usd
  llm_daily_budget_usd         = var.llm_daily_budget_usd
  min_tasks                    = var.min_tasks
  xray_sampling_rate           = var.xray_sampling_rate
  budget_services              = var.budget_services
  activate_cost_allocation_tag = var.activate_cost_allocation_tag
}

# Billing metrics exist only in us-east-1: the EstimatedCharges alarm (and, elsewhere, a topic) live there.
module "billing" {
  source = "./modules/billing"
  providers = {
    aws = aws.billing
  }

  name             = local.name
  alarm            = module.observability.billing_alarm
  threshold_usd    = coalesce(var.monthly_budget_usd, var.daily_budget_usd * 31)
  runbook_base_url = var.runbook_base_url
  # In us-east-1 the project's alarm topic is in the alarm's region and is used; elsewhere a relay topic.
  relay_topic     = var.region != "us-east-1"
  alarm_topic_arn = var.region == "us-east-1" ? module.observability.alarm_topic_arn : null
  alarm_emails    = var.alarm_emails
}
