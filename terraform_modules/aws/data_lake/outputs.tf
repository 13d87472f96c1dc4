output "bucket_arns" {
  description = "Bucket ARNs keyed by purpose (artifacts, models, processed, raw)."
  value       = { for purpose, bucket in aws_s3_bucket.this : purpose => bucket.arn }
}

output "bucket_names" {
  description = "Bucket names keyed by purpose (artifacts, models, processed, raw)."
  value       = { for purpose, bucket in aws_s3_bucket.this : purpose => bucket.bucket }
}
