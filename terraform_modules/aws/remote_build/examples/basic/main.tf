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

module "remote_build" {
  source = "../.."

  name               = "example-project-dev-image"
  ecr_repository_arn = "arn:aws:ecr:eu-west-1:111122223333:repository/example-project"
  ecr_repository_url = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/example-project"
  source_bucket_arn  = "arn:aws:s3:::example-project-dev-artifacts"
  tags               = { Project = "example-project", Environment = "dev" }
}

output "project_name" {
  value = module.remote_build.project_name
}
