terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.87, < 6.0"
      # Billing metrics exist only in us-east-1: the EstimatedCharges alarm (and its topic) live there.
      configuration_aliases = [aws.billing]
    }
  }
}
