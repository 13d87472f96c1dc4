variable "deploy_roles" {
  description = "Project roles of the deploy service account (what `terraform apply` of this environment manages): none that administers IAM."
  type        = list(string)

  validation {
    condition = length(setintersection(var.deploy_roles, [
      "roles/owner",
      "roles/editor",
      "roles/iam.securityAdmin",
      "roles/iam.serviceAccountAdmin",
      "roles/iam.serviceAccountKeyAdmin",
      "roles/iam.serviceAccountTokenCreator",
      "roles/iam.serviceAccountUser",
      "roles/iam.workloadIdentityPoolAdmin",
      "roles/iam.roleAdmin",
      "roles/resourcemanager.projectIamAdmin",
    ])) == 0
    error_message = "deploy_roles must not administer IAM (owner, editor, security, service account, workload identity pool, role or project IAM admin, token creator, service account user): CI could change who CI is. Grant such access in infra/bootstrap, to a named account."
  }
}

variable "environments" {
  description = "Every environment of the project (e.g. [\"dev\", \"staging\", \"prod\"]): environment must be one of them."
  type        = list(string)
}

variable "environment" {
  description = "The CI environment whose jobs alone may act as the deploy service account (one of environments)."
  type        = string

  validation {
    condition     = contains(var.environments, var.environment)
    error_message = "environment must be one of var.environments."
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
