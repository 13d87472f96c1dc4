# Every environment is this same call of ../../stack; what differs lives in
# terraform.tfvars.json, rendered from .copier-answers.yml.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      project     = var.project
      environment = var.environment
      owner       = var.owner
      managed-by  = "terraform"
    }
  }
}

module "stack" {
  source = "../../stack"

  alert_emails         = var.alert_emails
  budget_usd           = var.budget_usd
  ci                   = var.ci
  create_oidc_provider = var.create_oidc_provider
  data_retention_days  = var.data_retention_days
  environment          = var.environment
  force_destroy        = var.force_destroy
  project              = var.project
  project_description  = var.project_description
  repository           = var.repository
}
