# --- identity ----------------------------------------------------------------------------------
variable "project" {
  type        = string
  description = "Project name: prefix of every resource name and the Project tag."
  default     = "knowledgeweaver"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,20}$", var.project))
    error_message = "project must be 3-21 lower-case letters, digits or dashes, starting with a letter."
  }
}

variable "environment" {
  type        = string
  description = "Deployment environment (dev, staging, prod): part of names and the Environment tag."
  default     = "prod"
  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "owner" {
  type        = string
  description = "Team or person responsible: the Owner tag on every resource."
  validation {
    condition     = length(trimspace(var.owner)) > 0
    error_message = "owner must not be empty."
  }
}

variable "region" {
  type        = string
  description = "AWS region to deploy into (must offer Bedrock and Transcribe)."
  default     = "us-east-1"
  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like us-east-1."
  }
}

# --- network -----------------------------------------------------------------------------------
variable "vpc_cidr" {
  type        = string
  description = "CIDR of the VPC; split into two public and two private subnets."
  default     = "10.40.0.0/16"
  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr must be a valid IPv4 CIDR of /20 or larger."
  }
}

variable "availability_zones" {
  type        = list(string)
  description = "Two availability zones for the subnets; null picks <region>a and <region>b."
  default     = null
  validation {
    condition     = var.availability_zones == null || length(coalesce(var.availability_zones, [])) == 2
    error_message = "availability_zones must name exactly two zones."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway for both AZs (cheaper) instead of one per AZ (survives an AZ outage)."
  default     = true
}

variable "ingress_cidrs" {
  type        = list(string)
  description = "Client CIDRs allowed to reach the load balancer."
  default     = ["0.0.0.0/0"]
  validation {
    condition     = alltrue([for c in var.ingress_cidrs : can(cidrhost(c, 0))])
    error_message = "ingress_cidrs must be IPv4 CIDRs."
  }
}

# --- service -----------------------------------------------------------------------------------
variable "image_tag" {
  type        = string
  description = "Tag of the application image in the ECR repository (the git SHA; tags are immutable)."
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,128}$", var.image_tag))
    error_message = "image_tag must be a valid Docker tag."
  }
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate for HTTPS on the load balancer; null serves plain HTTP (dev and staging only)."
  default     = null
  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
  validation {
    condition     = var.certificate_arn != null || var.environment != "prod"
    error_message = "prod needs certificate_arn: API keys must not cross the internet in plain HTTP."
  }
}

variable "waf_rate_limit" {
  type        = number
  description = "Requests per client IP per 5 minutes before the WAF blocks that IP (rate-based rule)."
  default     = 2000
  validation {
    condition     = var.waf_rate_limit >= 100 && var.waf_rate_limit <= 2000000000
    error_message = "waf_rate_limit must be between 100 and 2e9."
  }
}

variable "alb_log_retention_days" {
  type        = number
  description = "Days the load balancer's access logs are kept in their S3 bucket."
  default     = 90
  validation {
    condition     = var.alb_log_retention_days >= 1
    error_message = "alb_log_retention_days must be at least 1."
  }
}

variable "task_cpu" {
  type        = number
  description = "Fargate task CPU units (app + collector)."
  default     = 1024
  validation {
    condition     = contains([512, 1024, 2048, 4096], var.task_cpu)
    error_message = "task_cpu must be 512, 1024, 2048 or 4096."
  }
}

variable "task_memory" {
  type        = number
  description = "Fargate task memory in MiB (the offline models need about 1.5 GiB)."
  default     = 3072
  validation {
    condition     = var.task_memory >= 2048 && var.task_memory <= 30720
    error_message = "task_memory must be between 2048 and 30720 MiB."
  }
}

variable "desired_count" {
  type        = number
  description = "Tasks to run at start; autoscaling moves between min_tasks and max_tasks."
  default     = 2
}

variable "min_tasks" {
  type        = number
  description = "Autoscaling floor."
  default     = 2
  validation {
    condition     = var.min_tasks >= 1
    error_message = "min_tasks must be at least 1."
  }
}

variable "max_tasks" {
  type        = number
  description = "Autoscaling ceiling."
  default     = 6
}

variable "bedrock_model_ids" {
  type        = list(string)
  description = "Bedrock foundation models the task may invoke: the LLM first, then the embedding model."
  default     = ["anthropic.claude-3-5-haiku-20241022-v1:0", "amazon.titan-embed-text-v2:0"]
  validation {
    condition     = length(var.bedrock_model_ids) >= 2
    error_message = "bedrock_model_ids needs the LLM id and the embedding model id."
  }
}

variable "phoenix_endpoint" {
  type        = string
  description = "Arize Phoenix base URL the service exports spans to; empty disables Phoenix export."
  default     = ""
}

variable "phoenix_on_ecs" {
  type        = bool
  description = "Run Arize Phoenix (with RDS PostgreSQL, auth on) on ECS inside the VPC and export to it; phoenix_endpoint is then ignored."
  default     = false
}

variable "langfuse_host" {
  type        = string
  description = "Langfuse base URL; empty disables Langfuse export."
  default     = ""
}

variable "log_retention_days" {
  type        = number
  description = "CloudWatch Logs retention for the service, flow logs and Neo4j."
  default     = 365
  validation {
    condition     = contains([30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value of at least 30 days."
  }
}

# --- neo4j -------------------------------------------------------------------------------------
variable "neo4j_instance_type" {
  type        = string
  description = "EC2 instance type for Neo4j (memory-heavy: heap + page cache)."
  default     = "r6i.large"
}

variable "neo4j_volume_gb" {
  type        = number
  description = "Size of Neo4j's encrypted gp3 data volume."
  default     = 50
  validation {
    condition     = var.neo4j_volume_gb >= 10 && var.neo4j_volume_gb <= 16384
    error_message = "neo4j_volume_gb must be between 10 and 16384."
  }
}

variable "backup_retain_days" {
  type        = number
  description = "Days the nightly Neo4j dumps (s3://<media bucket>/backups/neo4j/) are kept."
  default     = 30
  validation {
    condition     = var.backup_retain_days >= 1
    error_message = "backup_retain_days must be at least 1."
  }
}

variable "snapshot_retain_days" {
  type        = number
  description = "Daily snapshots of the Neo4j volume kept."
  default     = 14
}

# --- observability -----------------------------------------------------------------------------
variable "alarm_emails" {
  type        = list(string)
  description = "Addresses subscribed to the alarm topic (each must confirm the subscription)."
  default     = []
  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_emails must be email addresses."
  }
}

variable "daily_budget_usd" {
  type        = number
  description = "AWS Budgets daily cost limit (whole account, or budget_services): the prod defaults cost ~$10.70/day before any usage (docs/deploy-aws.md), so the default leaves ~$4 of usage."
  default     = 15
  validation {
    condition     = var.daily_budget_usd > 0
    error_message = "daily_budget_usd must be positive."
  }
}

variable "monthly_budget_usd" {
  type        = number
  description = "Month-to-date ceiling of the Billing EstimatedCharges alarm (us-east-1, whole account); null: 31 × daily_budget_usd."
  default     = null
}

variable "budget_services" {
  type        = list(string)
  description = "Cost Explorer service names the daily budget counts (e.g. [\"Amazon Bedrock\", \"Amazon Elastic Compute Cloud - Compute\"]); empty: the whole account (recommended: an account per deployment)."
  default     = []
}

variable "activate_cost_allocation_tag" {
  type        = bool
  description = "Activate Project as a cost-allocation tag. In a new account AWS refuses until the tag has appeared on a bill (~24 h): apply with false first."
  default     = true
}

variable "llm_daily_budget_usd" {
  type        = number
  description = "Alarm when the LLM spend the service itself reports (LLMCostUSD) exceeds this in 24 h."
  default     = 3
  validation {
    condition     = var.llm_daily_budget_usd > 0
    error_message = "llm_daily_budget_usd must be positive."
  }
}

variable "trace_content" {
  type        = bool
  description = "Put prompts, answers and questions on spans (KW_TRACE_CONTENT); off by default in AWS for privacy."
  default     = false
}

variable "xray_sampling_rate" {
  type        = number
  description = "Share of new traces recorded: the app's parent-based ratio sampler (KW_TRACE_SAMPLE_RATIO) and the X-Ray sampling rule."
  default     = 0.1
  validation {
    condition     = var.xray_sampling_rate >= 0 && var.xray_sampling_rate <= 1
    error_message = "xray_sampling_rate must be between 0 and 1."
  }
}

variable "runbook_base_url" {
  type        = string
  description = "Where docs/runbooks/ is browsable; alarm descriptions link the runbook there."
  default     = "https://github.com/knowledgeweaver/knowledgeweaver/blob/main"
}

variable "session_idle_ttl_s" {
  type        = number
  description = "A conversation expires this many seconds after its last question (KW_SESSION_IDLE_TTL_S; DynamoDB TTL)."
  default     = 86400
  validation {
    condition     = var.session_idle_ttl_s >= 60 && var.session_idle_ttl_s <= 2592000
    error_message = "session_idle_ttl_s must be between 60 seconds and 30 days (the app's bounds)."
  }
}

variable "sessions_deletion_protection" {
  type        = bool
  description = "Protect the conversations table from deletion (set false before destroying an environment)."
  default     = true
}

# --- ingest jobs and their workers ------------------------------------------------------------------
variable "job_max_attempts" {
  type        = number
  description = "Claims of a job before it is dead-lettered with its reason: the queue's maxReceiveCount and KW_JOB_MAX_ATTEMPTS."
  default     = 3
  validation {
    condition     = var.job_max_attempts >= 1 && var.job_max_attempts <= 20
    error_message = "job_max_attempts must be between 1 and 20 (the app's bounds)."
  }
}

variable "job_lease_s" {
  type        = number
  description = "A worker's lease on a job, in seconds (KW_JOB_LEASE_S; the SQS visibility timeout, renewed every third of it)."
  default     = 60
  validation {
    condition     = var.job_lease_s >= 2 && var.job_lease_s <= 3600
    error_message = "job_lease_s must be between 2 and 3600 seconds (the app's bounds)."
  }
}

variable "job_retention_days" {
  type        = number
  description = "Days a finished job's record (state, request, events) is kept before DynamoDB's TTL deletes it (KW_JOB_RETENTION_S); uploads are kept 15 days longer."
  default     = 30
  validation {
    condition     = var.job_retention_days >= 1 && var.job_retention_days <= 365
    error_message = "job_retention_days must be between 1 and 365 (the app's bounds)."
  }
}

variable "jobs_deletion_protection" {
  type        = bool
  description = "Protect the jobs table from deletion (set false before destroying an environment)."
  default     = true
}

variable "worker_cpu" {
  type        = number
  description = "Fargate CPU units of a worker task (worker + collector)."
  default     = 1024
  validation {
    condition     = contains([512, 1024, 2048, 4096], var.worker_cpu)
    error_message = "worker_cpu must be 512, 1024, 2048 or 4096."
  }
}

variable "worker_memory" {
  type        = number
  description = "Fargate memory of a worker task in MiB."
  default     = 2048
  validation {
    condition     = var.worker_memory >= 1024 && var.worker_memory <= 30720
    error_message = "worker_memory must be between 1024 and 30720 MiB."
  }
}

variable "worker_jobs_at_once" {
  type        = number
  description = "Jobs one worker task runs at once (KW_INGEST_WORKERS): they mostly wait on Bedrock."
  default     = 4
  validation {
    condition     = var.worker_jobs_at_once >= 1 && var.worker_jobs_at_once <= 32
    error_message = "worker_jobs_at_once must be between 1 and 32 (the app's bounds)."
  }
}

variable "worker_min_tasks" {
  type        = number
  description = "Fewest worker tasks. At least one: workers also fail dead-lettered jobs with their reasons."
  default     = 1
  validation {
    condition     = var.worker_min_tasks >= 1
    error_message = "worker_min_tasks must be at least 1."
  }
}

variable "worker_max_tasks" {
  type        = number
  description = "Most worker tasks (the autoscaling ceiling; mind Bedrock's quotas: each task keeps worker_jobs_at_once jobs' LLM calls in flight)."
  default     = 8
  validation {
    condition     = var.worker_max_tasks >= 1 && var.worker_max_tasks <= 50
    error_message = "worker_max_tasks must be between 1 and 50."
  }
}

variable "worker_backlog_per_task" {
  type        = number
  description = "Target of the workers' scaling: jobs in the queue (waiting and running) per running worker task."
  default     = 8
  validation {
    condition     = var.worker_backlog_per_task >= 1
    error_message = "worker_backlog_per_task must be at least 1."
  }
}
