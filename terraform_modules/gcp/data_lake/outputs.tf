output "bucket_names" {
  description = "Bucket name by purpose (raw, processed, models, artifacts)."
  value       = { for purpose, bucket in google_storage_bucket.this : purpose => bucket.name }
}

output "bucket_urls" {
  description = "gs:// URL by purpose, as the pipeline's configuration takes them."
  value       = { for purpose, bucket in google_storage_bucket.this : purpose => "gs://${bucket.name}" }
}

output "dataset_id" {
  description = "BigQuery dataset id."
  value       = google_bigquery_dataset.this.dataset_id
}
