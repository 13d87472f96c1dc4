locals {
  purposes = toset(["raw", "processed", "models", "artifacts"])
  # Read-only access from other environments covers data, never models or run artifacts.
  readable_purposes = toset(["raw", "processed"])
  read_grants = {
    for pair in setproduct(tolist(local.readable_purposes), var.read_only_members) :
    "${pair[0]}/${pair[1]}" => { purpose = pair[0], member = pair[1] }
  }
  # The pipeline (training) reads raw data and writes everything it derives from it.
  pipeline_roles = {
    raw       = "roles/storage.objectViewer"
    processed = "roles/storage.objectUser"
    models    = "roles/storage.objectUser"
    artifacts = "roles/storage.objectUser"
  }
}

resource "google_storage_bucket" "this" {
  #checkov:skip=CKV_GCP_62:reads and writes are recorded by Cloud Audit Logs (infra/bootstrap enables storage data-access logs), which replace GCS usage logs
  for_each = local.purposes

  name          = "${var.name_prefix}-${each.key}"
  project       = var.project_id
  location      = var.location
  force_destroy = var.force_destroy
  labels        = merge(var.labels, { purpose = each.key })

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }

  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      days_since_noncurrent_time = var.noncurrent_version_retention_days
      with_state                 = "ARCHIVED"
    }
  }
}

resource "google_storage_bucket_iam_member" "read_only" {
  for_each = local.read_grants

  bucket = google_storage_bucket.this[each.value.purpose].name
  role   = "roles/storage.objectViewer"
  member = each.value.member
}

resource "google_bigquery_dataset" "this" {
  #checkov:skip=CKV_GCP_81:Google-managed encryption at rest; a customer-managed key needs a KMS key ring and its rotation duty, beyond day one
  dataset_id                 = var.dataset_id
  project                    = var.project_id
  location                   = var.location
  description                = "Tables of ${var.name_prefix}."
  labels                     = var.labels
  delete_contents_on_destroy = var.force_destroy
}

resource "google_bigquery_dataset_iam_member" "read_only" {
  for_each = toset(var.read_only_members)

  project    = var.project_id
  dataset_id = google_bigquery_dataset.this.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = each.value
}

resource "google_storage_bucket_iam_member" "pipeline" {
  for_each = var.pipeline_member == null ? {} : local.pipeline_roles

  bucket = google_storage_bucket.this[each.key].name
  role   = each.value
  member = var.pipeline_member
}

resource "google_bigquery_dataset_iam_member" "pipeline" {
  count = var.pipeline_member == null ? 0 : 1

  project    = var.project_id
  dataset_id = google_bigquery_dataset.this.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = var.pipeline_member
}

# The image build reads the commit's source, which CI uploads to the artifacts bucket.
resource "google_storage_bucket_iam_member" "source_readers" {
  for_each = toset(var.source_readers)

  bucket = google_storage_bucket.this["artifacts"].name
  role   = "roles/storage.objectViewer"
  member = each.value
}
