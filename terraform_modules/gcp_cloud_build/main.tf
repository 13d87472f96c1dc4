# Images are built remotely by Cloud Build, never on a laptop or a CI runner: CI runs
# `gcloud builds submit` with the commit's source and this service account, so the build
# can push to the project's repository and read its source, and nothing else.
locals {
  logs_role = "roles/logging.logWriter"
}

resource "google_service_account" "build" {
  project      = var.project_id
  account_id   = "image-build"
  display_name = "Cloud Build: builds and pushes the project's images"
}

resource "google_artifact_registry_repository_iam_member" "push" {
  project    = var.project_id
  location   = var.repository_location
  repository = var.repository_name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member
}

resource "google_storage_bucket_iam_member" "read_source" {
  bucket = var.source_bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.build.member
}

resource "google_project_iam_member" "logs" {
  project = var.project_id
  role    = local.logs_role
  member  = google_service_account.build.member
}

# Submitting a build that runs as this account needs actAs on it: only the CI deployers.
resource "google_service_account_iam_member" "submitters" {
  for_each = toset(var.submitters)

  service_account_id = google_service_account.build.name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}
