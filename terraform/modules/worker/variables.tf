variable "name" {
  type        = string
  description = "Name prefix (project-environment); the service is <name>-worker."
}

variable "region" {
  type        = string
  description = "AWS region."
}

variable "cluster_arn" {
  type        = string
  description = "The ECS cluster (the API's)."
}

variable "cluster_name" {
  type        = string
  description = "The ECS cluster's name (autoscaling resource id, Container Insights dimension)."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Subnets of the worker tasks."
}

variable "security_group_id" {
  type        = string
  description = "Security group of the tasks (the API tasks'; see main.tf)."
}

variable "image" {
  type        = string
  description = "Application image (repository:tag): the API's."
}

variable "task_cpu" {
  type        = number
  description = "Task CPU units (worker + collector)."
  default     = 1024
}

variable "task_memory" {
  type        = number
  description = "Task memory (MiB)."
  default     = 2048
}

variable "task_role_arn" {
  type        = string
  description = "Role the worker runs as (iam module: the worker role)."
}

variable "execution_role_arn" {
  type        = string
  description = "Role ECS starts the task with."
}

variable "environment" {
  type        = map(string)
  description = "The app's environment (service module output app_environment)."
}

variable "secrets" {
  type        = list(object({ name = string, valueFrom = string }))
  description = "Secrets the app reads (service module output app_secrets)."
}

variable "collector_container" {
  type        = any
  description = "The ADOT collector's container definition (service module output collector_container)."
}

variable "log_group_name" {
  type        = string
  description = "Log group (the service's: EMF metrics and Logs Insights cover API and workers alike)."
}

variable "jobs_at_once" {
  type        = number
  description = "Jobs a task runs at once (KW_INGEST_WORKERS)."
  default     = 4
}

variable "queue_name" {
  type        = string
  description = "The jobs queue's name (its depth drives the scaling)."
}

variable "min_tasks" {
  type        = number
  description = "Autoscaling floor (at least 1: workers also fail dead-lettered jobs)."
  default     = 1
  validation {
    condition     = var.min_tasks >= 1
    error_message = "min_tasks must be at least 1."
  }
}

variable "max_tasks" {
  type        = number
  description = "Autoscaling ceiling."
  default     = 8
  validation {
    condition     = var.max_tasks >= 1 && var.max_tasks <= 50
    error_message = "max_tasks must be between 1 and 50."
  }
}

variable "backlog_per_task" {
  type        = number
  description = "Target: jobs in the queue (waiting and running) per running task."
  default     = 8
}
