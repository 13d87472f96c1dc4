# Every environment is this same call of ../../stack; what differs lives in
# terraform.tfvars.json, rendered from .copier-answers.yml.

provider "google" {
  project = "${var.project_prefix}-${var.environment}"
  region  = var.region

  default_labels = {
    project     = var.project
    environment = var.environment
    managed-by  = "terraform"
  }
}

module "stack" {
  source = "../../stack"

  alert_emails        = var.alert_emails
  billing_account     = var.billing_account
  budget_amount       = var.budget_amount
  ci                  = var.ci
  data_retention_days = var.data_retention_days
  environment         = var.environment
  environments        = var.environments
  force_destroy       = var.force_destroy
  project_prefix      = var.project_prefix
  region              = var.region
}
