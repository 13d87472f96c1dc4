# The one definition of a GCP environment. Every environment (var.environments) calls this with its own
# terraform.tfvars.json; each environment is its own project, "<project_prefix>-<env>",
# created (with its APIs, state bucket and identities) by infra/bootstrap.

locals {
  project_id_of = { for env in var.environments : env => "${var.project_prefix}-${env}" }
  project_id    = local.project_id_of[var.environment]

  # Production data may be read from dev, never written: prod's raw and processed buckets
  # and its dataset grant dev's training account and dev's developer reader account viewer
  # roles. Their e-mails follow from dev's project id; dev's bootstrap makes them, before
  # prod is applied (the promotion order).
  dev_readers = [
    "serviceAccount:training@${local.project_id_of["dev"]}.iam.gserviceaccount.com",
    "serviceAccount:prod-data-reader@${local.project_id_of["dev"]}.iam.gserviceaccount.com",
  ]

  # The service accounts infra/bootstrap made (modules/service_accounts, wif): CI
  # uses them, and grants them access to this environment's resources, but cannot make,
  # change or bind them (dayone's docs/decisions/0006-gcp-ci-identities-in-bootstrap.md).
  account_of = {
    for name in ["ci-deploy", "ci-plan", "image-build", "training"] :
    name => "${name}@${local.project_id}.iam.gserviceaccount.com"
  }
}

data "google_project" "this" {
  project_id = local.project_id
}

module "data_lake" {
  source = "../modules/data_lake"

  force_destroy                     = var.force_destroy
  location                          = var.region
  name_prefix                       = local.project_id
  noncurrent_version_retention_days = var.data_retention_days
  pipeline_member                   = "serviceAccount:${local.account_of["training"]}"
  project_id                        = local.project_id
  read_only_members                 = var.environment == "prod" ? local.dev_readers : []
  source_readers                    = ["serviceAccount:${local.account_of["image-build"]}"]
}

module "artifact_registry" {
  source = "../modules/artifact_registry"

  location      = var.region
  project_id    = local.project_id
  readers       = ["serviceAccount:${local.account_of["training"]}"]
  repository_id = "images"
  writers       = ["serviceAccount:${local.account_of["image-build"]}"]
}

module "budget" {
  source = "../modules/budget"

  amount              = var.budget_amount
  billing_account     = var.billing_account
  display_name        = "${local.project_id} monthly"
  notification_emails = var.alert_emails
  project_id          = local.project_id
  project_number      = data.google_project.this.number
}
