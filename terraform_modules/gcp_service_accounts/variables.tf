variable "buckets" {
  description = "The environment's buckets by purpose (raw, processed, models, artifacts)."
  type        = map(string)
}

variable "dataset_id" {
  description = "The environment's BigQuery dataset."
  type        = string
}

variable "developer_reader" {
  description = "Create the developers' read-only service account (dev only): it is what prod grants read access to."
  type        = bool
  default     = false
}

variable "job_submitters" {
  description = "IAM members (the CI deploy service account) that may submit Vertex AI jobs running as the training service account."
  type        = list(string)
  default     = []
}

variable "project_id" {
  description = "Project of this environment."
  type        = string
}

variable "repository_name" {
  description = "Full name of the Artifact Registry repository training pulls its image from."
  type        = string
}

variable "repository_location" {
  description = "Region of that repository."
  type        = string
}
