variable "name" {
  type        = string
  description = "Name prefix (project-environment)."
}

variable "region" {
  type        = string
  description = "AWS region (log driver)."
}

variable "account_id" {
  type        = string
  description = "AWS account id (role trust condition)."
}

variable "vpc_id" {
  type        = string
  description = "VPC of Phoenix and its database."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Private subnets (two AZs: RDS needs a subnet group across two)."
}

variable "client_security_group_id" {
  type        = string
  description = "The API tasks' security group: the only one that may reach Phoenix (and is allowed out to it)."
}

variable "admin_security_group_ids" {
  type        = map(string)
  description = "Hosts (by a name known at plan time) people reach the UI through with an SSM port forward."
  default     = {}
}

variable "cluster_arn" {
  type        = string
  description = "ECS cluster to run Phoenix in (the API's)."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the database, its managed password, the secret and the logs."
}

variable "log_retention_days" {
  type        = number
  description = "Phoenix log retention."
  default     = 365
}

variable "image" {
  type        = string
  description = "Phoenix image, pinned (the arize-phoenix version of pyproject's lock, which tests/integration/test_phoenix.py runs)."
  default     = "arizephoenix/phoenix:version-20.26.1"
}

variable "postgres_version" {
  type        = string
  description = "RDS PostgreSQL major version."
  default     = "16"
}

variable "db_instance_class" {
  type        = string
  description = "RDS instance class of Phoenix's database."
  default     = "db.t4g.micro"
}

variable "db_storage_gb" {
  type        = number
  description = "Database storage (GiB); spans at 10 % sampling need little."
  default     = 20
}
