variable "bucket_name" {
  description = "Name of the S3 bucket that stores Terraform state."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name)) && !can(regex("^(xn--|sthree-)|-s3alias$|--ol-s3$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lowercase letters, digits and hyphens, start and end with a letter or digit, and not start with xn-- or sthree- (dots are refused: they break TLS on virtual-hosted URLs)."
  }
}

variable "force_destroy" {
  description = "Allow Terraform to delete the bucket even when it holds state. Keep false outside throwaway environments."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "ARN of a KMS key for SSE-KMS. When null, SSE-S3 (AES256) is used."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>), or null for AES256."
  }
}

variable "state_key" {
  description = "Object key of the state file, written into the backend configuration outputs."
  type        = string
  default     = "terraform.tfstate"

  validation {
    condition     = length(var.state_key) > 0 && !startswith(var.state_key, "/")
    error_message = "state_key must be a non-empty object key that does not start with '/', e.g. \"dev/terraform.tfstate\"."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
