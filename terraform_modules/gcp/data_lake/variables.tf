variable "dataset_id" {
  description = "BigQuery dataset that holds the project's tables."
  type        = string
  default     = "lake"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,1024}$", var.dataset_id))
    error_message = "dataset_id holds only letters, digits and underscores."
  }
}

variable "force_destroy" {
  description = "Let destroy delete non-empty buckets and the dataset's tables. Never for prod data."
  type        = bool
  default     = false
}

variable "labels" {
  description = "Labels added to every bucket and the dataset."
  type        = map(string)
  default     = {}
}

variable "location" {
  description = "Region of the buckets and the dataset."
  type        = string
}

variable "name_prefix" {
  description = "Buckets are <name_prefix>-raw, -processed, -models and -artifacts (globally unique)."
  type        = string
}

variable "noncurrent_version_retention_days" {
  description = "Days an overwritten or deleted object version is kept before it expires."
  type        = number

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && var.noncurrent_version_retention_days <= 3650
    error_message = "noncurrent_version_retention_days must be 1 to 3650."
  }
}

variable "pipeline_member" {
  description = "IAM member the pipeline and training jobs run as: reads raw, writes processed, models and artifacts, edits the dataset's tables. null for none."
  type        = string
  default     = null
}

variable "project_id" {
  description = "Project that owns the buckets and the dataset."
  type        = string
}

variable "read_only_members" {
  description = "IAM members (e.g. serviceAccount:x@dev-project.iam.gserviceaccount.com) given read-only access to the raw and processed buckets and to the dataset."
  type        = list(string)
  default     = []
}

variable "source_readers" {
  description = "IAM members that read the artifacts bucket's objects (the image build reads the commit's source there)."
  type        = list(string)
  default     = []
}
