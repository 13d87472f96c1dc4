variable "developer_reader" {
  description = "Create the developers' read-only service account (dev only): it is what prod grants read access to."
  type        = bool
  default     = false
}

variable "job_submitters" {
  description = "IAM members (CI's deploy service account) that may run Vertex AI jobs as the training account and Cloud Build builds as the image-build account."
  type        = list(string)
  default     = []
}

variable "project_id" {
  description = "Project of this environment."
  type        = string
}
