variable "name" {
  type        = string
  description = "Name prefix (project-environment)."
}

variable "cidr" {
  type        = string
  description = "VPC CIDR (/20 or larger)."
  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "cidr must be a valid IPv4 CIDR."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway shared by both private subnets."
  default     = true
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the flow-log group."
}

variable "log_retention_days" {
  type        = number
  description = "Flow-log retention in days."
  default     = 365
}

variable "availability_zones" {
  type        = list(string)
  description = "The two availability zones (names) of the subnets."
  validation {
    condition     = length(var.availability_zones) == 2
    error_message = "Exactly two availability zones are needed."
  }
}
