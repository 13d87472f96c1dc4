terraform {
  # Same floor as the rest of dayone: roots use S3 native state locking (1.10).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
