variable "name" {
  type        = string
  description = "Name prefix (project-environment)."
}

variable "region" {
  type        = string
  description = "AWS region."
}

variable "vpc_id" {
  type        = string
  description = "VPC id."
}

variable "vpc_cidr" {
  type        = string
  description = "VPC CIDR (Bolt egress is limited to it)."
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "Subnets of the load balancer."
  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "An ALB needs subnets in at least two AZs."
  }
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Subnets of the tasks."
}

variable "ingress_cidrs" {
  type        = list(string)
  description = "Client CIDRs allowed to the load balancer."
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate for HTTPS; null for HTTP only."
  default     = null
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the load balancer from deletion."
  default     = true
}

variable "image" {
  type        = string
  description = "Application image (repository:tag)."
}

variable "deployment_alarm_names" {
  type        = list(string)
  description = "CloudWatch alarms that roll a deployment back when they fire during it."
  default     = []
}

variable "wait_for_steady_state" {
  type        = bool
  description = "Make apply wait until the rollout is steady (fails if it is rolled back)."
  default     = true
}

variable "trace_sample_ratio" {
  type        = number
  description = "KW_TRACE_SAMPLE_RATIO: share of new traces recorded (callers' sampled flags are honoured)."
  default     = 0.1
}

variable "trace_content" {
  type        = bool
  description = "KW_TRACE_CONTENT: prompts, answers and questions on spans (off in production: privacy)."
  default     = false
}

variable "collector_image" {
  type        = string
  description = "AWS Distro for OpenTelemetry collector image."
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
}

variable "task_cpu" {
  type        = number
  description = "Task CPU units."
}

variable "task_memory" {
  type        = number
  description = "Task memory (MiB)."
}

variable "desired_count" {
  type        = number
  description = "Initial task count."
}

variable "min_tasks" {
  type        = number
  description = "Autoscaling floor."
}

variable "max_tasks" {
  type        = number
  description = "Autoscaling ceiling."
  validation {
    condition     = var.max_tasks >= 1 && var.max_tasks <= 50
    error_message = "max_tasks must be between 1 and 50."
  }
}

variable "cpu_target_percent" {
  type        = number
  description = "Target average CPU for autoscaling (the alarm fires at 80 %)."
  default     = 60
}

variable "memory_target_percent" {
  type        = number
  description = "Target average memory for autoscaling."
  default     = 70
}

variable "task_role_arn" {
  type        = string
  description = "Role the app runs as."
}

variable "execution_role_arn" {
  type        = string
  description = "Role ECS starts the task with."
}

variable "log_group_name" {
  type        = string
  description = "Log group of both containers (EMF metrics are extracted from it)."
}

variable "log_retention_days" {
  type        = number
  description = "Log retention."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the log group."
}

variable "service_name" {
  type        = string
  description = "OpenTelemetry service.name (X-Ray service, Phoenix project)."
}

variable "bucket_name" {
  type        = string
  description = "Media bucket (recordings, Transcribe input/output)."
}

variable "neo4j_uri" {
  type        = string
  description = "Bolt URI of Neo4j."
}

variable "neo4j_secret_arn" {
  type        = string
  description = "Secret with the Neo4j password."
}

variable "langfuse_secret_arn" {
  type        = string
  description = "Secret with the Langfuse keys."
}

variable "api_keys_secret_arn" {
  type        = string
  description = "Secret holding KW_API_KEYS (JSON: key -> namespace)."
}

variable "phoenix_secret_arn" {
  type        = string
  description = "Secret with the Phoenix API key (JSON: api_key; empty = no auth header)."
}

variable "access_logs_bucket" {
  type        = string
  description = "S3 bucket for the load balancer's access logs (prefix alb/), writable by the ALB."
}

variable "waf_rate_limit" {
  type        = number
  description = "Requests per client IP per 5 minutes before the WAF blocks it."
  default     = 2000
}

variable "llm_model_id" {
  type        = string
  description = "Bedrock model for extraction and answers."
}

variable "embedding_model_id" {
  type        = string
  description = "Bedrock embedding model."
}

variable "embedding_dim" {
  type        = number
  description = "Embedding dimensions (Titan v2 default output: 1024)."
  default     = 1024
}

variable "phoenix_endpoint" {
  type        = string
  description = "Phoenix base URL ('' = off)."
  default     = ""
}

variable "langfuse_host" {
  type        = string
  description = "Langfuse base URL ('' = off)."
  default     = ""
}

variable "speech_provider" {
  type        = string
  description = "How recordings become transcripts: transcribe (Amazon Transcribe, speaker labels) or whisper (in the task, CPU)."
  default     = "transcribe"
  validation {
    condition     = contains(["transcribe", "whisper"], var.speech_provider)
    error_message = "speech_provider must be transcribe or whisper."
  }
}

variable "sessions_table" {
  type        = string
  description = "DynamoDB table of conversations (KW_SESSIONS_TABLE)."
}

variable "session_idle_ttl_s" {
  type        = number
  default     = 86400
  description = "A conversation expires this many seconds after its last question (KW_SESSION_IDLE_TTL_S)."
  validation {
    condition     = var.session_idle_ttl_s >= 60 && var.session_idle_ttl_s <= 2592000
    error_message = "session_idle_ttl_s must be between 60 seconds and 30 days (the app's bounds)."
  }
}

variable "jobs" {
  type = object({
    queue_url    = string
    dlq_url      = string
    table_name   = string
    lease_s      = number
    max_attempts = number
    retention_s  = number
  })
  description = "The job backend (jobs module): KW_JOBS_QUEUE_URL, KW_JOBS_DLQ_URL, KW_JOBS_TABLE, KW_JOB_LEASE_S, KW_JOB_MAX_ATTEMPTS, KW_JOB_RETENTION_S."
}
