# Least privilege: training reads raw data and writes processed data, models and run
# artifacts of its own environment, pulls its image and runs Vertex AI jobs; nothing else.
locals {
  training_project_roles = ["roles/aiplatform.user", "roles/bigquery.jobUser", "roles/logging.logWriter"]
  training_bucket_roles = {
    raw       = "roles/storage.objectViewer"
    processed = "roles/storage.objectUser"
    models    = "roles/storage.objectUser"
    artifacts = "roles/storage.objectUser"
  }
}

resource "google_service_account" "training" {
  project      = var.project_id
  account_id   = "training"
  display_name = "Training jobs (Vertex AI custom jobs)"
}

resource "google_storage_bucket_iam_member" "training" {
  for_each = local.training_bucket_roles

  bucket = var.buckets[each.key]
  role   = each.value
  member = google_service_account.training.member
}

resource "google_bigquery_dataset_iam_member" "training" {
  project    = var.project_id
  dataset_id = var.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.training.member
}

resource "google_project_iam_member" "training" {
  for_each = toset(local.training_project_roles)

  project = var.project_id
  role    = each.value
  member  = google_service_account.training.member
}

resource "google_artifact_registry_repository_iam_member" "training_pull" {
  project    = var.project_id
  location   = var.repository_location
  repository = var.repository_name
  role       = "roles/artifactregistry.reader"
  member     = google_service_account.training.member
}

# Submitting a Vertex AI custom job that runs as this account (`train --remote`) needs
# actAs on it: only the listed submitters (CI's deploy account) get it.
resource "google_service_account_iam_member" "training_job_submitters" {
  for_each = toset(var.job_submitters)

  service_account_id = google_service_account.training.name
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
