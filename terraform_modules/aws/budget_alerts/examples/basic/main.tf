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
  region = "us-east-1"
}

module "budget_alerts" {
  source = "../.."

  name                    = "example-project-dev-monthly"
  limit_amount_usd        = 200
  notification_thresholds = [50, 80, 100]
  notification_emails     = ["ml-team@example.com"]
  tags                    = { Project = "example-project", Environment = "dev" }
}

output "budget_name" {
  value = module.budget_alerts.budget_name
}
