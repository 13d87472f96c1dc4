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

module "prod_data_readonly" {
  source = "../.."

  name             = "example-project-prod-data-readonly"
  prod_bucket_arns = ["arn:aws:s3:::example-project-prod-raw", "arn:aws:s3:::example-project-prod-processed"]
  readers          = { training = "arn:aws:iam::111122223333:role/example-project-dev-training" }
  tags             = { Project = "example-project", Environment = "dev" }
}

output "bucket_policy_json" {
  value = module.prod_data_readonly.bucket_policy_json
}
