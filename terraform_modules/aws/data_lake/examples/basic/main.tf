terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "data_lake" {
  source = "../.."

  prefix                            = "example-project-dev"
  noncurrent_version_retention_days = 14
  tags                              = { Project = "example-project", Environment = "dev" }
}

output "bucket_names" {
  value = module.data_lake.bucket_names
}
