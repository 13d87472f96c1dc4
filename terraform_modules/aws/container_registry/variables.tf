variable "force_delete" {
  description = "Allow Terraform to delete the repository even when it holds images. Keep false outside throwaway environments."
  type        = bool
  default     = false
}

variable "keep_last_images" {
  description = "Number of most recent tagged images kept; older ones are expired by the lifecycle policy."
  type        = number
  default     = 30

  validation {
    condition     = var.keep_last_images >= 1 && var.keep_last_images <= 10000 && floor(var.keep_last_images) == var.keep_last_images
    error_message = "keep_last_images must be a whole number between 1 and 10000."
  }
}

variable "kms_key_arn" {
  description = "ARN of a KMS key to encrypt images with. When null, AES256 is used."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), or null for AES256."
  }
}

variable "name" {
  description = "Name of the ECR repository, e.g. \"churn-model\" or \"churn-model/trainer\"."
  type        = string

  validation {
    condition     = length(var.name) >= 2 && length(var.name) <= 256 && can(regex("^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$", var.name))
    error_message = "name must be 2-256 characters of lowercase letters and digits, separated by single '.', '_', '-' or '/' (ECR repository naming rules)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "untagged_image_expiry_days" {
  description = "Days after which untagged images (left behind by failed or superseded pushes) are expired."
  type        = number
  default     = 7

  validation {
    condition     = var.untagged_image_expiry_days >= 1 && var.untagged_image_expiry_days <= 365 && floor(var.untagged_image_expiry_days) == var.untagged_image_expiry_days
    error_message = "untagged_image_expiry_days must be a whole number of days between 1 and 365."
  }
}
