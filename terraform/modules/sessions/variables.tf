variable "name" {
  type        = string
  description = "Name prefix (project-environment); the table is <name>-sessions."
}

variable "kms_key_arn" {
  type        = string
  description = "Project KMS key ARN: the table is encrypted with it."
}

variable "deletion_protection" {
  type        = bool
  default     = true
  description = "Refuse to delete the table (turn off before destroying an environment)."
}
