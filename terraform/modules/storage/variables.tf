variable "name" {
  type        = string
  description = "Name prefix (project-environment)."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the bucket and the image repository."
}

variable "audio_ia_after_days" {
  type        = number
  description = "Move recordings to Standard-IA after this many days."
  default     = 30
  validation {
    condition     = var.audio_ia_after_days >= 30
    error_message = "S3 needs at least 30 days before a transition to Standard-IA."
  }
}

variable "noncurrent_version_days" {
  type        = number
  description = "Delete overwritten or deleted object versions after this many days."
  default     = 90
}

variable "images_kept" {
  type        = number
  description = "Images kept in ECR (rollbacks beyond this need a rebuild)."
  default     = 30
}

variable "backup_retain_days" {
  type        = number
  description = "Days the Neo4j dumps under backups/ are kept."
  default     = 30
}

variable "account_id" {
  type        = string
  description = "AWS account id (the ALB writes its logs under AWSLogs/<account id>/)."
}

variable "alb_log_retention_days" {
  type        = number
  description = "Days the load balancer's access logs are kept."
  default     = 90
}

variable "uploads_expire_days" {
  type        = number
  description = "Days job requests under uploads/ are kept (longer than the jobs' retention, so a failed job can be retried)."
  default     = 45
  validation {
    condition     = var.uploads_expire_days >= 1
    error_message = "uploads_expire_days must be at least 1."
  }
}
