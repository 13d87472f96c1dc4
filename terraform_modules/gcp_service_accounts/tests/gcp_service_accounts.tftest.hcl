mock_provider "google" {}

variables {
  buckets = {
    raw       = "p-dev-raw"
    processed = "p-dev-processed"
    models    = "p-dev-models"
    artifacts = "p-dev-artifacts"
  }
  dataset_id          = "lake"
  project_id          = "p-dev"
  repository_location = "europe-west1"
  repository_name     = "projects/p-dev/locations/europe-west1/repositories/images"
}

run "training_reads_raw_and_writes_the_rest" {
  command = plan

  assert {
    condition     = google_storage_bucket_iam_member.training["raw"].role == "roles/storage.objectViewer"
    error_message = "Training only reads raw data."
  }

  assert {
    condition     = alltrue([for p in ["processed", "models", "artifacts"] : google_storage_bucket_iam_member.training[p].role == "roles/storage.objectUser"])
    error_message = "Training writes processed data, models and artifacts."
  }

  assert {
    condition     = !anytrue([for m in google_project_iam_member.training : contains(["roles/owner", "roles/editor", "roles/storage.admin"], m.role)])
    error_message = "Training has no broad project role."
  }

  assert {
    condition     = length(google_service_account.prod_data_reader) == 0
    error_message = "The reader account exists in dev only."
  }
}

run "dev_has_a_reader_without_roles" {
  command = plan

  variables {
    developer_reader = true
  }

  assert {
    condition     = google_service_account.prod_data_reader[0].account_id == "prod-data-reader"
    error_message = "dev gets the developers' reader account."
  }
}
