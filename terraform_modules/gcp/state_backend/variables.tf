variable "bucket_name" {
  description = "Name of the GCS bucket that holds the Terraform state (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$", var.bucket_name)) && !strcontains(var.bucket_name, "google")
    error_message = "bucket_name must be 3 to 63 characters of a-z, 0-9, '-' and '_', starting and ending with a letter or digit, without \"google\"."
  }
}

variable "force_destroy" {
  description = "Let destroy delete the bucket with its state versions in it (tests only)."
  type        = bool
  default     = false
}

variable "labels" {
  description = "Labels added to the bucket."
  type        = map(string)
  default     = {}
}

variable "location" {
  description = "GCS location (region) of the bucket."
  type        = string
}

variable "noncurrent_versions_kept" {
  description = "How many old versions of each state object are kept (the rest expire)."
  type        = number
  default     = 20

  validation {
    condition     = var.noncurrent_versions_kept >= 1
    error_message = "Keep at least one old version of the state: it is the only undo of a bad apply."
  }
}

variable "project_id" {
  description = "Project that owns the bucket."
  type        = string
}

variable "state_prefix" {
  description = "Object prefix of the state inside the bucket (the gcs backend's prefix)."
  type        = string
  default     = "terraform/state"
}
