terraform {
  # Cross-variable validation needs 1.9; dayone roots use S3 native state locking (1.10).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # thumbprint_list became optional in 5.81: AWS validates these IdPs against its own trusted CAs.
      version = ">= 5.81"
    }
  }
}
