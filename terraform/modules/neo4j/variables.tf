variable "name" {
  type        = string
  description = "Name prefix (project-environment)."
}

variable "region" {
  type        = string
  description = "AWS region (for the Secrets Manager call at boot)."
}

variable "vpc_id" {
  type        = string
  description = "VPC of the instance."
}

variable "subnet_id" {
  type        = string
  description = "Private subnet for the instance."
}

variable "client_security_group_ids" {
  type        = list(string)
  description = "Security groups allowed to reach Bolt (7687): the API tasks'."
  validation {
    condition     = length(var.client_security_group_ids) > 0
    error_message = "At least one client security group is needed, or nothing can reach Neo4j."
  }
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type."
  default     = "r6i.large"
}

variable "volume_gb" {
  type        = number
  description = "Data volume size (GiB)."
  default     = 50
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the volumes and the log group."
}

variable "password_secret_arn" {
  type        = string
  description = "Secret holding {\"password\": ...} for the neo4j user."
}

variable "heap_size" {
  type        = string
  description = "Neo4j heap (initial = max)."
  default     = "4g"
}

variable "pagecache_size" {
  type        = string
  description = "Neo4j page cache."
  default     = "8g"
}

variable "neo4j_version" {
  type        = string
  description = "Neo4j 5 package version (`dnf` pins it)."
  default     = "5.26.0"
  validation {
    condition     = can(regex("^5\\.[0-9]+\\.[0-9]+$", var.neo4j_version))
    error_message = "neo4j_version must be a Neo4j 5 version like 5.26.0."
  }
}

variable "snapshot_time_utc" {
  type        = string
  description = "Daily snapshot time (HH:MM, UTC)."
  default     = "03:00"
}

variable "snapshot_retain_days" {
  type        = number
  description = "Daily snapshots kept."
  default     = 14
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the Neo4j log group."
  default     = 365
}

variable "backup_bucket_name" {
  type        = string
  description = "Bucket of the nightly neo4j-admin dumps (under backups/neo4j/<UTC timestamp>/)."
}

variable "backup_bucket_arn" {
  type        = string
  description = "ARN of backup_bucket_name (the instance may write and read backups/neo4j/ only)."
}

variable "backup_time_utc" {
  type        = string
  description = "Nightly dump time (HH:MM, UTC): Neo4j stops for the dump's duration (Community has no online backup)."
  default     = "03:30"
  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.backup_time_utc))
    error_message = "backup_time_utc must be HH:MM (UTC)."
  }
}

variable "backup_metric_namespace" {
  type        = string
  description = "CloudWatch namespace of the backup's BackupSucceeded metric (dimension Deployment = name)."
  default     = "KnowledgeWeaver/Neo4j"
}
