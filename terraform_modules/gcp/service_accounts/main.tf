# The service accounts an environment's workloads run as, and who may act as them. Applied by
# a person with infra/bootstrap, never by CI: an identity that can change who may act as a
# service account (roles/iam.serviceAccountAdmin) can make itself any of them, CI's own
# included, and IAM conditions cannot exclude service accounts (dayone's
# docs/decisions/0006-gcp-ci-identities-in-bootstrap.md). So CI only uses these: it submits
# Vertex AI jobs as `training` and builds as `image-build`. Their access to the environment's
# buckets, dataset and image repository is granted by the stack, on those resources.
locals {
  training_project_roles = ["roles/aiplatform.user", "roles/bigquery.jobUser", "roles/logging.logWriter"]
  build_project_roles    = ["roles/logging.logWriter"]
}

resource "google_service_account" "training" {
  project      = var.project_id
  account_id   = "training"
  display_name = "Training jobs (Vertex AI custom jobs)"
}

resource "google_project_iam_member" "training" {
  for_each = toset(local.training_project_roles)

  project = var.project_id
  role    = each.value
  member  = google_service_account.training.member
}

# Submitting a Vertex AI custom job that runs as this account (`train --remote`) needs
# actAs on it: only the listed submitters (CI's deploy account) get it.
resource "google_service_account_iam_member" "training_job_submitters" {
  for_each = toset(var.job_submitters)

  service_account_id = google_service_account.training.name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}

# Images are built remotely by Cloud Build as this account: CI runs `gcloud builds submit`
# with the commit's source; the build pushes to the project's repository and reads its source.
resource "google_service_account" "build" {
  project      = var.project_id
  account_id   = "image-build"
  display_name = "Cloud Build: builds and pushes the project's images"
}

resource "google_project_iam_member" "build" {
  for_each = toset(local.build_project_roles)

  project = var.project_id
  role    = each.value
  member  = google_service_account.build.member
}

# Submitting a build that runs as this account needs actAs on it: only the listed submitters.
resource "google_service_account_iam_member" "build_submitters" {
  for_each = toset(var.job_submitters)

  service_account_id = google_service_account.build.name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}

# Developers of dev impersonate this account for data work: prod grants it read-only access
# to its data, and it has no role in dev at all. Who may impersonate it is decided by the
# dev project's administrators (roles/iam.serviceAccountTokenCreator on it).
resource "google_service_account" "prod_data_reader" {
  count = var.developer_reader ? 1 : 0

  project      = var.project_id
  account_id   = "prod-data-reader"
  display_name = "Developers: read-only access to production data"
}
