variable "keep_recent_versions" {
  description = "Images kept by the cleanup policy, newest first; older untagged ones are deleted."
  type        = number
  default     = 30
}

variable "labels" {
  description = "Labels added to the repository."
  type        = map(string)
  default     = {}
}

variable "location" {
  description = "Region of the repository."
  type        = string
}

variable "project_id" {
  description = "Project that owns the repository."
  type        = string
}

variable "readers" {
  description = "IAM members that pull the repository's images (the training account)."
  type        = list(string)
  default     = []
}

variable "repository_id" {
  description = "Repository id (lower case, digits, hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.repository_id))
    error_message = "repository_id must start with a letter and hold only a-z, 0-9 and hyphens."
  }
}

variable "writers" {
  description = "IAM members that push images to the repository (the image-build account)."
  type        = list(string)
  default     = []
}
