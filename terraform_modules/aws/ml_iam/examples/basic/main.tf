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

module "ml_iam" {
  source = "../.."

  name = "example-project-dev-training"
  bucket_arns = [
    "arn:aws:s3:::example-project-dev-raw",
    "arn:aws:s3:::example-project-dev-models",
  ]
  ecr_repository_arn = "arn:aws:ecr:eu-west-1:111122223333:repository/example-project"
  tags               = { Project = "example-project", Environment = "dev" }
}

output "role_arn" {
  value = module.ml_iam.role_arn
}
