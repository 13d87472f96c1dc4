output "backend_config" {
  description = "Arguments of the gcs backend block that stores state in this bucket."
  value = {
    bucket = google_storage_bucket.this.name
    prefix = var.state_prefix
  }
}

output "bucket_name" {
  description = "Name of the state bucket."
  value       = google_storage_bucket.this.name
}
