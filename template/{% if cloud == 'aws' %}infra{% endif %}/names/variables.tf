variable "environments" {
  description = "Every environment of the project in deploy order (copier.yml's list, passed in terraform.tfvars.json)."
  type        = list(string)
}

variable "environment" {
  description = "Environment name: one of var.environments."
  type        = string

  validation {
    condition     = contains(var.environments, var.environment)
    error_message = "environment must be one of var.environments."
  }
}

variable "project" {
  description = "Project slug: the start of every name."
  type        = string
}
