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
    condition     = length(google_service_account_iam_member.training_job_submitters) == 0
    error_message = "Nobody may act as the training account unless listed."
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

run "listed_submitters_may_run_jobs_as_training" {
  command = plan

  variables {
    job_submitters = ["serviceAccount:ci-deploy@p-dev.iam.gserviceaccount.com"]
  }

  assert {
    condition     = toset(keys(google_service_account_iam_member.training_job_submitters)) == toset(["serviceAccount:ci-deploy@p-dev.iam.gserviceaccount.com"])
    error_message = "Only the listed submitters may act as the training account."
  }

  assert {
    condition     = alltrue([for m in google_service_account_iam_member.training_job_submitters : m.role == "roles/iam.serviceAccountUser"])
    error_message = "Submitters get actAs on the training account, nothing more."
  }
}
