variable "name" {
  type        = string
  description = "Name prefix (project-environment); also the ECR repository name."
}

variable "region" {
  type        = string
  description = "AWS region."
}

variable "account_id" {
  type        = string
  description = "AWS account id."
  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "bedrock_model_ids" {
  type        = list(string)
  description = "Bedrock model ids the task may invoke."
}

variable "bucket_arn" {
  type        = string
  description = "Media bucket ARN."
}

variable "kms_key_arn" {
  type        = string
  description = "Project KMS key ARN."
}

variable "secret_arns" {
  type        = list(string)
  description = "Secrets the task reads (Neo4j, Langfuse)."
}

variable "log_group_name" {
  type        = string
  description = "The service's CloudWatch log group."
}

variable "metric_namespace" {
  type        = string
  description = "The only CloudWatch namespace the task may put metrics in."
}

variable "transcribe_job_prefix" {
  type        = string
  description = "Transcription jobs the task may run are named <prefix>-<recording hash>, custom vocabularies <prefix>-vocab-<hashes> (the app's KW_SERVICE_NAME)."
}

variable "sessions_table_arn" {
  type        = string
  description = "The conversations table: the task reads and writes its items."
}

variable "jobs_table_arn" {
  type        = string
  description = "The jobs table: the API accepts and reads jobs in it, the workers run them."
}

variable "jobs_queue_arn" {
  type        = string
  description = "The jobs queue: the API sends job ids, the workers receive them."
}

variable "jobs_dlq_arn" {
  type        = string
  description = "The jobs' dead-letter queue: the workers fail its jobs with their reasons."
}
