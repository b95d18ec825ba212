terraform {
  required_version = ">= 1.10"

  # State in S3 with native locking; the bucket and key are given at init time
  # (docs/deploy-aws.md), so one configuration serves every environment.
  backend "s3" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.87, < 6.0"
    }
  }
}
