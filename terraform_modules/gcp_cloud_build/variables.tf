variable "project_id" {
  description = "Project the builds run in."
  type        = string
}

variable "repository_name" {
  description = "Full name of the Artifact Registry repository the builds push to."
  type        = string
}

variable "repository_location" {
  description = "Region of that repository."
  type        = string
}

variable "source_bucket" {
  description = "Bucket CI uploads the commit's source to (gcloud builds submit --gcs-source-staging-dir)."
  type        = string
}

variable "submitters" {
  description = "IAM members (the CI deploy service accounts) that may submit builds running as the build service account."
  type        = list(string)
  default     = []
}
