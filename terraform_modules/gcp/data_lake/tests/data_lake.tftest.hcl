mock_provider "google" {}

variables {
  location                          = "europe-west1"
  name_prefix                       = "example-project-prod"
  noncurrent_version_retention_days = 365
  project_id                        = "example-project-prod"
}

run "four_private_versioned_buckets" {
  command = plan

  assert {
    condition     = toset(keys(google_storage_bucket.this)) == toset(["raw", "processed", "models", "artifacts"])
    error_message = "The lake has raw, processed, models and artifacts buckets."
  }

  assert {
    condition = alltrue([
      for b in google_storage_bucket.this :
      b.uniform_bucket_level_access && b.public_access_prevention == "enforced" && one(b.versioning).enabled
    ])
    error_message = "Every bucket is versioned, uniform-access and never public."
  }

  assert {
    condition     = alltrue([for b in google_storage_bucket.this : one(b.lifecycle_rule[0].condition).days_since_noncurrent_time == 365])
    error_message = "Old versions expire after the retention days."
  }

  assert {
    condition     = output.bucket_urls["raw"] == "gs://example-project-prod-raw"
    error_message = "bucket_urls gives gs:// URLs."
  }

  assert {
    condition     = length(google_storage_bucket_iam_member.read_only) == 0 && length(google_bigquery_dataset_iam_member.read_only) == 0
    error_message = "No reader is granted anything unless asked."
  }

  assert {
    condition     = length(google_storage_bucket_iam_member.pipeline) == 0 && length(google_bigquery_dataset_iam_member.pipeline) == 0 && length(google_storage_bucket_iam_member.source_readers) == 0
    error_message = "Neither the pipeline nor the build is granted anything unless named."
  }
}

run "pipeline_reads_raw_and_writes_the_rest" {
  command = plan

  variables {
    pipeline_member = "serviceAccount:training@example-project-prod.iam.gserviceaccount.com"
    source_readers  = ["serviceAccount:image-build@example-project-prod.iam.gserviceaccount.com"]
  }

  assert {
    condition     = google_storage_bucket_iam_member.pipeline["raw"].role == "roles/storage.objectViewer"
    error_message = "The pipeline only reads raw data."
  }

  assert {
    condition     = alltrue([for p in ["processed", "models", "artifacts"] : google_storage_bucket_iam_member.pipeline[p].role == "roles/storage.objectUser"])
    error_message = "The pipeline writes processed data, models and artifacts."
  }

  assert {
    condition     = google_bigquery_dataset_iam_member.pipeline[0].role == "roles/bigquery.dataEditor"
    error_message = "The pipeline edits the dataset's tables."
  }

  assert {
    condition     = [for g in google_storage_bucket_iam_member.source_readers : "${g.bucket} ${g.role}"] == ["example-project-prod-artifacts roles/storage.objectViewer"]
    error_message = "The build reads the artifacts bucket (its source), nothing else."
  }
}

run "readers_get_read_only_data_access" {
  command = plan

  variables {
    read_only_members = ["serviceAccount:training@example-project-dev.iam.gserviceaccount.com"]
  }

  assert {
    condition     = toset([for g in google_storage_bucket_iam_member.read_only : g.bucket]) == toset(["example-project-prod-raw", "example-project-prod-processed"])
    error_message = "Readers see raw and processed data only, not models or artifacts."
  }

  assert {
    condition = alltrue(concat(
      [for g in google_storage_bucket_iam_member.read_only : g.role == "roles/storage.objectViewer"],
      [for g in google_bigquery_dataset_iam_member.read_only : g.role == "roles/bigquery.dataViewer"],
    ))
    error_message = "Readers get viewer roles only."
  }
}

run "refuses_zero_retention" {
  command = plan

  variables {
    noncurrent_version_retention_days = 0
  }

  expect_failures = [var.noncurrent_version_retention_days]
}
