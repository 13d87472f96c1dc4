variable "name" {
  description = "Name of the IAM policy created in the dev account, e.g. \"churn-model-prod-data-readonly\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", var.name))
    error_message = "name must be 1-128 characters of letters, digits and + = , . @ _ -."
  }
}

variable "prod_bucket_arns" {
  description = "ARNs of the production buckets dev may read (e.g. the prod data_lake's raw and processed buckets)."
  type        = list(string)

  validation {
    condition     = length(var.prod_bucket_arns) > 0 && alltrue([for arn in var.prod_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", arn))])
    error_message = "prod_bucket_arns must hold at least one bucket ARN of the form arn:aws:s3:::<bucket-name>, without an object path or wildcard."
  }
}

variable "prod_kms_key_arns" {
  description = "KMS keys encrypting the production buckets, if any: readers get kms:Decrypt on exactly these keys (the prod key policy must allow them too)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.prod_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", arn))])
    error_message = "prod_kms_key_arns must hold KMS key ARNs: arn:aws:kms:<region>:<account>:key/<id>."
  }
}

variable "readers" {
  description = "Dev IAM roles that get read-only access, as a map of a stable label to the role ARN (e.g. { training = module.ml_iam.role_arn }). The labels keep the plan valid while ARNs are still unknown."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for arn in values(var.readers) : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", arn))])
    error_message = "readers values must be IAM role ARNs: arn:aws:iam::<account>:role/<name>."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
