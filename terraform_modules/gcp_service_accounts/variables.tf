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
