mock_provider "google" {}

variables {
  bucket_name = "example-project-dev-tfstate"
  location    = "europe-west1"
  project_id  = "example-project-dev"
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = one(google_storage_bucket.this.versioning).enabled == true
    error_message = "State bucket versioning must be enabled."
  }

  assert {
    condition     = google_storage_bucket.this.uniform_bucket_level_access == true && google_storage_bucket.this.public_access_prevention == "enforced"
    error_message = "The state bucket must use uniform access and enforce public access prevention."
  }

  assert {
    condition     = google_storage_bucket.this.force_destroy == false
    error_message = "force_destroy must default to false."
  }

  assert {
    condition     = output.backend_config.bucket == "example-project-dev-tfstate" && output.backend_config.prefix == "terraform/state"
    error_message = "The backend config must name the bucket and the state prefix."
  }
}

run "refuses_a_google_bucket_name" {
  command = plan

  variables {
    bucket_name = "my-google-state"
  }

  expect_failures = [var.bucket_name]
}

run "refuses_keeping_no_old_versions" {
  command = plan

  variables {
    noncurrent_versions_kept = 0
  }

  expect_failures = [var.noncurrent_versions_kept]
}
