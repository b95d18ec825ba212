variable "name" {
  type        = string
  description = "Name prefix (project-environment)."
}

variable "alarm" {
  type = object({
    name               = string
    description        = string
    severity           = string
    runbook            = string
    period             = number
    treat_missing_data = string
  })
  description = "The alarm's entry in alerts/cost.yaml (`billing:`)."
}

variable "threshold_usd" {
  type        = number
  description = "Month-to-date estimated charges (USD) above which the alarm fires."
  validation {
    condition     = var.threshold_usd > 0
    error_message = "threshold_usd must be positive."
  }
}

variable "runbook_base_url" {
  type        = string
  description = "Base URL the runbook path is appended to."
}

variable "relay_topic" {
  type        = bool
  description = "Make a topic in us-east-1 subscribed by alarm_emails (the deployment's topic is in another region)."
  default     = true
}

variable "alarm_topic_arn" {
  type        = string
  description = "The SNS topic to notify when relay_topic is false (it must be in us-east-1)."
  default     = null
  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:us-east-1:", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be an SNS topic in us-east-1."
  }
}

variable "alarm_emails" {
  type        = list(string)
  description = "Subscribers of the relay topic."
  default     = []
}
