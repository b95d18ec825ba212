variable "name" {
  type        = string
  description = "Name prefix (project-environment)."
}

variable "account_id" {
  type        = string
  description = "AWS account id (key policy principal)."
}

variable "region" {
  type        = string
  description = "AWS region (CloudWatch Logs service principal)."
}
