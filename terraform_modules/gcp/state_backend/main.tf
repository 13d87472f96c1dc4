# The GCS backend locks natively (a lock object next to the state), so unlike S3 no lock
# table or lock-file setting is needed; versioning is the undo of a bad apply.
resource "google_storage_bucket" "this" {
  #checkov:skip=CKV_GCP_62:state reads and writes are recorded by Cloud Audit Logs (infra/bootstrap enables storage data-access logs)
  name          = var.bucket_name
  project       = var.project_id
  location      = var.location
  force_destroy = var.force_destroy
  labels        = var.labels

  # IAM only (no per-object ACLs), and never public, whatever a later IAM binding says.
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
      num_newer_versions = var.noncurrent_versions_kept
      with_state         = "ARCHIVED"
    }
  }
}
