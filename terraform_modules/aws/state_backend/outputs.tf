output "backend_config" {
  description = "Arguments of the `backend \"s3\"` block, as a map (S3 native locking, no DynamoDB table)."
  value       = local.backend_config
}

output "backend_config_hcl" {
  description = "The backend block as HCL, ready to paste into a root module or write to a `-backend-config` file."
  value       = <<-EOT
    terraform {
      backend "s3" {
    %{for key, value in local.backend_config~}
        ${key} = ${jsonencode(value)}
    %{endfor~}
      }
    }
  EOT
}

output "bucket_arn" {
  description = "ARN of the state bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_name" {
  description = "Name of the state bucket."
  value       = aws_s3_bucket.this.bucket
}
