variable "name" {
  type        = string
  description = "Name prefix (project-environment); the queues are <name>-jobs and <name>-jobs-dlq, the table <name>-jobs."
}

variable "kms_key_arn" {
  type        = string
  description = "Project KMS key ARN: the queues and the table are encrypted with it."
}

variable "max_attempts" {
  type        = number
  default     = 3
  description = "Receives of a job's message before it moves to the dead-letter queue (KW_JOB_MAX_ATTEMPTS)."
  validation {
    condition     = var.max_attempts >= 1 && var.max_attempts <= 20
    error_message = "max_attempts must be between 1 and 20 (the app's bounds)."
  }
}

variable "lease_s" {
  type        = number
  default     = 60
  description = "A worker's lease on a job in seconds (KW_JOB_LEASE_S): the queue's default visibility timeout."
  validation {
    condition     = var.lease_s >= 2 && var.lease_s <= 3600
    error_message = "lease_s must be between 2 and 3600 seconds (the app's bounds)."
  }
}

variable "deletion_protection" {
  type        = bool
  default     = true
  description = "Refuse to delete the table (turn off before destroying an environment)."
}
