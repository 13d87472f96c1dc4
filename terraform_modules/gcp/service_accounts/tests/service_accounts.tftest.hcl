mock_provider "google" {
  override_during = plan

  mock_resource "google_service_account" {
    defaults = {
      name = "projects/p-dev/serviceAccounts/mocked@p-dev.iam.gserviceaccount.com"
    }
  }
}

variables {
  project_id = "p-dev"
}

run "workload_accounts_have_narrow_project_roles" {
  command = plan

  assert {
    condition     = toset([for m in google_project_iam_member.training : m.role]) == toset(["roles/aiplatform.user", "roles/bigquery.jobUser", "roles/logging.logWriter"])
    error_message = "Training runs Vertex AI jobs, BigQuery jobs and writes logs, nothing else project-wide."
  }

  assert {
    condition     = toset([for m in google_project_iam_member.build : m.role]) == toset(["roles/logging.logWriter"])
    error_message = "The only project-wide role of the build is writing its logs."
  }

  assert {
    condition     = length(google_service_account_iam_member.training_job_submitters) == 0 && length(google_service_account_iam_member.build_submitters) == 0
    error_message = "Nobody may act as a workload account unless listed."
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

run "listed_submitters_may_run_jobs_and_builds" {
  command = plan

  variables {
    job_submitters = ["serviceAccount:ci-deploy@p-dev.iam.gserviceaccount.com"]
  }

  assert {
    condition     = toset(keys(google_service_account_iam_member.training_job_submitters)) == toset(["serviceAccount:ci-deploy@p-dev.iam.gserviceaccount.com"]) && toset(keys(google_service_account_iam_member.build_submitters)) == toset(["serviceAccount:ci-deploy@p-dev.iam.gserviceaccount.com"])
    error_message = "Only the listed submitters may act as the training and image-build accounts."
  }

  assert {
    condition     = alltrue([for m in concat(values(google_service_account_iam_member.training_job_submitters), values(google_service_account_iam_member.build_submitters)) : m.role == "roles/iam.serviceAccountUser"])
    error_message = "Submitters get actAs on the workload accounts, nothing more."
  }
}
