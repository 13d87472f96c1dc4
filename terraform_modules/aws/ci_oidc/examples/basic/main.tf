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

module "ci_oidc" {
  source = "../.."

  name   = "example-project"
  github = { repository = "example-org/example-project" }
  environments = {
    # Grant what applying your stack needs, scoped to its names; never a broad AWS-managed policy.
    dev  = { policy_arns = ["arn:aws:iam::111122223333:policy/example-project--dev-deploy"] }
    prod = {}
  }
  tags = { Project = "example-project" }
}

output "role_arns" {
  value = module.ci_oidc.role_arns
}
