variable "name" {
  type        = string
  description = "Name prefix (project-environment)."
}

variable "region" {
  type        = string
  description = "Region the dashboards' widgets read."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the SNS topic."
}

variable "alarm_emails" {
  type        = list(string)
  description = "Email subscribers of the alarm topic and the budget."
  default     = []
}

variable "dashboards_dir" {
  type        = string
  description = "Folder of CloudWatch dashboard bodies (*.json templates)."
}

variable "alerts_dir" {
  type        = string
  description = "Folder of alarm definitions (*.yaml templates)."
}

variable "runbook_base_url" {
  type        = string
  description = "Base URL the runbook paths in alerts/ are appended to."
}

variable "metric_namespace" {
  type        = string
  description = "CloudWatch namespace of the application's metrics."
  default     = "KnowledgeWeaver"
}

variable "service_name" {
  type        = string
  description = "OpenTelemetry service.name = X-Ray service name."
}

variable "cluster_name" {
  type        = string
  description = "ECS cluster (AWS/ECS ClusterName)."
}

variable "ecs_service_name" {
  type        = string
  description = "ECS service (AWS/ECS ServiceName)."
}

variable "load_balancer_arn_suffix" {
  type        = string
  description = "AWS/ApplicationELB LoadBalancer dimension."
}

variable "target_group_arn_suffix" {
  type        = string
  description = "AWS/ApplicationELB TargetGroup dimension."
}

variable "neo4j_instance_id" {
  type        = string
  description = "Neo4j host (CWAgent and AWS/EC2 InstanceId dimension)."
}

variable "log_group_name" {
  type        = string
  description = "The service's log group (Logs Insights widgets)."
}

variable "daily_budget_usd" {
  type        = number
  description = "AWS Budgets daily limit."
  validation {
    condition     = var.daily_budget_usd > 0
    error_message = "daily_budget_usd must be positive."
  }
}

variable "llm_daily_budget_usd" {
  type        = number
  description = "Threshold of the LLM cost alarm (USD per 24 h, from LLMCostUSD)."
}

variable "xray_sampling_rate" {
  type        = number
  description = "X-Ray sampling fixed rate."
}

variable "budget_services" {
  type        = list(string)
  description = "Cost Explorer service names the daily budget counts (e.g. \"Amazon Bedrock\"); empty: the whole account."
  default     = []
}

variable "activate_cost_allocation_tag" {
  type        = bool
  description = "Activate Project as a cost-allocation tag (AWS refuses until the tag has appeared on a bill)."
  default     = true
}

variable "min_tasks" {
  type        = number
  description = "The service's task floor: alb-healthy-hosts-low fires below it."
  default     = 1
}

variable "jobs_queue_name" {
  type        = string
  description = "The jobs queue (AWS/SQS QueueName): its depth and oldest message on the ingest dashboard and alarms."
}

variable "jobs_dlq_name" {
  type        = string
  description = "The jobs' dead-letter queue (AWS/SQS QueueName): the jobs-dead-letters alarm."
}

variable "worker_service_name" {
  type        = string
  description = "The worker ECS service: its running tasks on the ingest dashboard."
}
