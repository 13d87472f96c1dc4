mock_provider "google" {
  override_during = plan

  mock_resource "google_service_account" {
    defaults = {
      email  = "image-build@example-project-dev.iam.gserviceaccount.com"
      member = "serviceAccount:image-build@example-project-dev.iam.gserviceaccount.com"
      name   = "projects/example-project-dev/serviceAccounts/image-build@example-project-dev.iam.gserviceaccount.com"
    }
  }
}

variables {
  project_id          = "example-project-dev"
  repository_location = "europe-west1"
  repository_name     = "projects/example-project-dev/locations/europe-west1/repositories/images"
  source_bucket       = "example-project-dev-artifacts"
  submitters          = ["serviceAccount:ci-deploy@example-project-dev.iam.gserviceaccount.com"]
}

run "least_privilege_build_account" {
  command = plan

  assert {
    condition     = google_artifact_registry_repository_iam_member.push.role == "roles/artifactregistry.writer" && google_storage_bucket_iam_member.read_source.role == "roles/storage.objectViewer"
    error_message = "The build pushes to its repository and reads its source only."
  }

  assert {
    condition     = google_project_iam_member.logs.role == "roles/logging.logWriter"
    error_message = "The only project-wide role of the build is writing its logs."
  }

  assert {
    condition     = toset(keys(google_service_account_iam_member.submitters)) == toset(["serviceAccount:ci-deploy@example-project-dev.iam.gserviceaccount.com"])
    error_message = "Only the listed submitters may run builds as the build account."
  }
}
