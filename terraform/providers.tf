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
