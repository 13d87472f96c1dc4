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
      # What this environment's budget measures: activate `cost-scope` once as a cost
      # allocation tag (Billing > Cost allocation tags), see docs/decisions/0002-ci-cd.md.
      cost-scope = "${var.project}/${var.environment}"
    }
  }
}

module "stack" {
  source = "../../stack"

  alert_emails             = var.alert_emails
  budget_usd               = var.budget_usd
  ci                       = var.ci
  data_retention_days      = var.data_retention_days
  dev_account_id           = var.dev_account_id
  environment              = var.environment
  environments             = var.environments
  force_destroy            = var.force_destroy
  per_environment_accounts = var.per_environment_accounts
  project                  = var.project
  project_description      = var.project_description
}
