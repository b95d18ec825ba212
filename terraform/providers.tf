provider "aws" {
  region = var.region

  # Every resource carries these, so Cost Explorer and the budget can be filtered by project.
  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      Owner       = var.owner
    }
  }
}

# Billing metrics (EstimatedCharges) are published in us-east-1 only.
provider "aws" {
  alias  = "billing"
  region = "us-east-1"

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      Owner       = var.owner
    }
  }
}
