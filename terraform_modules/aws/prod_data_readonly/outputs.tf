output "bucket_policy_json" {
  description = "Map prod bucket ARN => bucket policy statements (JSON) granting the readers read-only access; the prod account merges each into that bucket's policy. Empty without readers."
  value       = { for arn, doc in data.aws_iam_policy_document.bucket : arn => doc.json }
}

output "policy_arn" {
  description = "ARN of the read-only IAM policy in the dev account."
  value       = aws_iam_policy.this.arn
}

output "policy_json" {
  description = "The read-only IAM policy, for review."
  value       = data.aws_iam_policy_document.this.json
}
