# The one definition of a GCP environment. dev, staging and prod call this with their own
# terraform.tfvars.json; each environment is its own project, "<project_prefix>-<env>",
# created (with its APIs and state bucket) by infra/bootstrap.

locals {
  project_id_of = { for env in ["dev", "staging", "prod"] : env => "${var.project_prefix}-${env}" }
  project_id    = local.project_id_of[var.environment]

  # Production data may be read from dev, never written: prod's raw and processed buckets
  # and its dataset grant dev's training account and dev's developer reader account viewer
  # roles. Their e-mails follow from dev's project id; dev is applied before prod (the
  # promotion order), so they exist when prod's grants are made.
  dev_readers = [
    "serviceAccount:training@${local.project_id_of["dev"]}.iam.gserviceaccount.com",
    "serviceAccount:prod-data-reader@${local.project_id_of["dev"]}.iam.gserviceaccount.com",
  ]

  # What CI's apply of this environment manages, and nothing beyond the project.
  # aiplatform.user: CI submits the Vertex AI training job of a commit (`train --remote`).
  deploy_roles = [
    "roles/aiplatform.user",
    "roles/artifactregistry.admin",
    "roles/bigquery.admin",
    "roles/cloudbuild.builds.editor",
    "roles/iam.serviceAccountAdmin",
    "roles/iam.workloadIdentityPoolAdmin",
    "roles/monitoring.notificationChannelEditor",
    "roles/resourcemanager.projectIamAdmin",
    "roles/serviceusage.serviceUsageConsumer",
    "roles/storage.admin",
  ]
}

data "google_project" "this" {
  project_id = local.project_id
}

module "data_lake" {
  source = "../modules/gcp_data_lake"

  force_destroy                     = var.force_destroy
  location                          = var.region
  name_prefix                       = local.project_id
  noncurrent_version_retention_days = var.data_retention_days
  project_id                        = local.project_id
  read_only_members                 = var.environment == "prod" ? local.dev_readers : []
}

module "artifact_registry" {
  source = "../modules/gcp_artifact_registry"

  location      = var.region
  project_id    = local.project_id
  repository_id = "images"
}

module "service_accounts" {
  source = "../modules/gcp_service_accounts"

  buckets             = module.data_lake.bucket_names
  dataset_id          = module.data_lake.dataset_id
  developer_reader    = var.environment == "dev"
  job_submitters      = var.ci == "none" ? [] : [module.wif[0].deploy_service_account_member]
  project_id          = local.project_id
  repository_location = var.region
  repository_name     = module.artifact_registry.repository_id
}

module "wif" {
  source = "../modules/gcp_wif"
  count  = var.ci == "none" ? 0 : 1

  deploy_roles = local.deploy_roles
  environment  = var.environment
  github       = var.ci == "github" ? { repository = var.repository } : null
  gitlab       = var.ci == "gitlab" ? { project_path = var.repository } : null
  # The deploy account's project IAM admin may grant these and its own roles, nothing else.
  grantable_roles = concat(module.service_accounts.project_roles, module.cloud_build.project_roles)
  project_id      = local.project_id
  project_number  = data.google_project.this.number
  state_bucket    = "${local.project_id}-tfstate"
}

module "cloud_build" {
  source = "../modules/gcp_cloud_build"

  project_id          = local.project_id
  repository_location = var.region
  repository_name     = module.artifact_registry.repository_id
  source_bucket       = module.data_lake.bucket_names["artifacts"]
  submitters          = var.ci == "none" ? [] : [module.wif[0].deploy_service_account_member]
}

module "budget" {
  source = "../modules/gcp_budget"

  amount              = var.budget_amount
  billing_account     = var.billing_account
  display_name        = "${local.project_id} monthly"
  notification_emails = var.alert_emails
  project_id          = local.project_id
  project_number      = data.google_project.this.number
}
