# Applied once per environment, before anything else, with local state and a person's
# credentials (gcloud auth application-default login): it creates the environment's
# project on the billing account, under the organisation or folder of the answers, enables
# the APIs the stack uses, creates the bucket that holds the environment's state, and
# creates every identity: CI's (Workload Identity pool, deploy and plan service accounts,
# their roles) and the workloads' (training, image-build), with who may act as them.
# CI applies the stack with the deploy account, which administers no IAM: it cannot change
# who CI is, what it may do or which repository the pool trusts. A change of those is this
# apply again, by a person (dayone's docs/decisions/0006-gcp-ci-identities-in-bootstrap.md).
#
#   make infra-bootstrap ENV=dev
#
# One workspace per environment keeps the three local states apart. Commit nothing from
# terraform.tfstate.d/ (git-ignored).

provider "google" {
  region = var.region
}

locals {
  project_id = "${var.project_prefix}-${var.environment}"
  services = [
    "aiplatform.googleapis.com",
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "billingbudgets.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "monitoring.googleapis.com",
    "serviceusage.googleapis.com",
    "storage.googleapis.com",
    "sts.googleapis.com",
  ]
}

resource "google_project" "this" {
  #checkov:skip=CKV2_GCP_5:admin activity is always audited and storage data access is audited below; data-access logs of every service would bill each API read
  project_id      = local.project_id
  name            = local.project_id
  billing_account = var.billing_account
  org_id          = startswith(var.parent, "organizations/") ? trimprefix(var.parent, "organizations/") : null
  folder_id       = startswith(var.parent, "folders/") ? trimprefix(var.parent, "folders/") : null
  # A project holds the environment's data: deleting it takes a deliberate change here.
  deletion_policy     = "PREVENT"
  auto_create_network = false
  labels = {
    project     = var.project
    environment = var.environment
    managed-by  = "terraform"
  }
}

resource "google_project_service" "this" {
  for_each = toset(local.services)

  project = google_project.this.project_id
  service = each.value
  # Disabling an API on destroy would break whatever else uses it in the project.
  disable_on_destroy = false
}

# Who read or wrote which object, in the data lake and the state: Cloud Audit Logs.
resource "google_project_iam_audit_config" "storage" {
  project = google_project.this.project_id
  service = "storage.googleapis.com"

  audit_log_config {
    log_type = "DATA_READ"
  }

  audit_log_config {
    log_type = "DATA_WRITE"
  }
}

# ---- Identities: set here, by a person, never by CI ------------------------------------------

locals {
  # What CI's apply of the environment manages, and nothing beyond the project; no role that
  # administers IAM (wif refuses those). aiplatform.user: CI submits the Vertex AI training
  # job of a commit (`train --remote`) as `training`; cloudbuild.builds.editor: it builds the
  # image as `image-build` (it may act as those two accounts, see module.service_accounts).
  deploy_roles = [
    "roles/aiplatform.user",
    "roles/artifactregistry.admin",
    "roles/bigquery.admin",
    "roles/cloudbuild.builds.editor",
    "roles/monitoring.notificationChannelEditor",
    "roles/serviceusage.serviceUsageConsumer",
    "roles/storage.admin",
  ]
  # The IAM API is on before any identity is made (an implicit dependency).
  iam_project_id = google_project_service.this["iam.googleapis.com"].project
}

module "ci" {
  source = "../modules/wif"
  count  = var.ci == "none" ? 0 : 1

  deploy_roles   = local.deploy_roles
  environment    = var.environment
  environments   = var.environments
  github         = var.ci == "github" ? { repository = var.repository } : null
  gitlab         = var.ci == "gitlab" ? { project_path = var.repository } : null
  project_id     = local.iam_project_id
  project_number = google_project.this.number
  state_bucket   = module.state_backend.bucket_name
}

module "service_accounts" {
  source = "../modules/service_accounts"

  developer_reader = var.environment == "dev"
  job_submitters   = var.ci == "none" ? [] : [module.ci[0].deploy_service_account_member]
  project_id       = local.iam_project_id
}

module "state_backend" {
  source = "../modules/state_backend"

  bucket_name = "${local.project_id}-tfstate"
  location    = var.region
  project_id  = google_project_service.this["storage.googleapis.com"].project
}

check "workspace_matches_environment" {
  assert {
    condition     = terraform.workspace == "default" || terraform.workspace == var.environment
    error_message = "Select the workspace of the environment you bootstrap: terraform workspace select -or-create ${var.environment}."
  }
}
