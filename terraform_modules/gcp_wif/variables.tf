variable "deploy_roles" {
  description = "Project roles of the deploy service account (what `terraform apply` of this environment manages)."
  type        = list(string)
}

variable "environment" {
  description = "The CI environment whose jobs alone may act as the deploy service account (dev, staging or prod)."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "github" {
  description = "Trust GitHub Actions of this repository (owner/name); null for none."
  type = object({
    repository = string
  })
  default = null
}

variable "gitlab" {
  description = "Trust GitLab CI of this project (group/name) on this GitLab host; null for none."
  type = object({
    project_path = string
    host         = optional(string, "https://gitlab.com")
  })
  default = null
}

variable "grantable_roles" {
  description = "Project roles the rest of the stack grants: besides deploy_roles and plan_roles, the only ones the deploy account's project IAM admin may grant or revoke."
  type        = list(string)
  default     = []

  validation {
    condition     = length(setintersection(var.grantable_roles, ["roles/owner", "roles/editor", "roles/resourcemanager.projectIamAdmin"])) == 0
    error_message = "grantable_roles must not hold roles/owner, roles/editor or roles/resourcemanager.projectIamAdmin: those would undo the limit."
  }
}

variable "plan_roles" {
  description = "Project roles of the plan service account: read-only (every job of the repository may plan)."
  type        = list(string)
  default     = ["roles/viewer"]
}

variable "pool_id" {
  description = "Workload identity pool id."
  type        = string
  default     = "ci"
}

variable "project_id" {
  description = "Project of this environment."
  type        = string
}

variable "project_number" {
  description = "Number of that project (principal identifiers name the pool by project number)."
  type        = string
}

variable "state_bucket" {
  description = "This environment's state bucket: plan reads it, deploy reads and writes it."
  type        = string
}
