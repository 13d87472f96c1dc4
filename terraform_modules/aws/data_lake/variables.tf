variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which unfinished multipart uploads are aborted, so their parts stop costing storage."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && var.abort_incomplete_multipart_upload_days <= 365 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number of days between 1 and 365."
  }
}

variable "force_destroy" {
  description = "Allow Terraform to delete the buckets even when they hold objects. Keep false outside throwaway environments."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "ARN of a KMS key for SSE-KMS on every bucket. When null, SSE-S3 (AES256) is used."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>), or null for AES256."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days a noncurrent (overwritten or deleted) object version is kept before it expires."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && var.noncurrent_version_retention_days <= 3650 && floor(var.noncurrent_version_retention_days) == var.noncurrent_version_retention_days
    error_message = "noncurrent_version_retention_days must be a whole number of days between 1 and 3650."
  }
}

variable "prefix" {
  description = "Prefix of the bucket names: buckets are <prefix>-raw, <prefix>-processed, <prefix>-models and <prefix>-artifacts."
  type        = string

  validation {
    # 53 = 63 (S3 maximum) - length("-processed").
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,51}[a-z0-9]$", var.prefix)) && !can(regex("^(xn--|sthree-)", var.prefix))
    error_message = "prefix must be 3-53 characters of lowercase letters, digits and hyphens, start and end with a letter or digit, and not start with xn-- or sthree- (so that <prefix>-processed is a valid bucket name)."
  }
}

variable "read_only_principals" {
  description = "IAM principals (role ARNs) granted read-only access by bucket policy, by bucket purpose (raw, processed, models, artifacts); for readers in another account."
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for purpose in keys(var.read_only_principals) : contains(["artifacts", "models", "processed", "raw"], purpose)])
    error_message = "read_only_principals keys must be bucket purposes: artifacts, models, processed, raw."
  }

  validation {
    condition     = alltrue(flatten([for arns in values(var.read_only_principals) : [for arn in arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", arn))]]))
    error_message = "read_only_principals values must be IAM role ARNs: arn:aws:iam::<account>:role/<name>."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
