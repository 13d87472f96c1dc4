# Run with -var-file=../envs/<env>/terraform.tfvars.json so that the bootstrap takes the
# answers' values from the same file as the environment. Terraform only warns about the
# values in it that the bootstrap does not need.

variable "aws_region" {
  description = "AWS region of the environment."
  type        = string
}

variable "ci" {
  description = "CI service whose OIDC tokens may assume the CI roles: github, gitlab or none (no CI roles)."
  type        = string

  validation {
    condition     = contains(["github", "gitlab", "none"], var.ci)
    error_message = "ci must be github, gitlab or none."
  }
}

variable "create_oidc_provider" {
  description = "Create the account's CI OIDC identity provider in this environment; false reuses the one that another environment of the same account created (its bootstrap is applied first)."
  type        = bool
  default     = true
}

variable "environment" {
  description = "Environment whose state bucket and identities this creates: dev, staging or prod."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "force_destroy" {
  description = "Whether the environment's data buckets may be emptied and destroyed (never prod): only then may its deploy role delete data objects."
  type        = bool
  default     = false
}

variable "owner" {
  description = "Owner tag."
  type        = string
}

variable "project" {
  description = "Project slug: the state bucket is <project>--<environment>-tfstate."
  type        = string
}

variable "repository" {
  description = "Repository path on the CI host (owner/name), the only one whose jobs the CI roles trust."
  type        = string
  default     = ""

  validation {
    condition     = var.ci == "none" || can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$", var.repository))
    error_message = "With CI, repository must be the project's path on the CI host, e.g. \"data-team/churn-model\"."
  }
}

variable "tags" {
  description = "Tags added to every identity, on top of the provider's default tags."
  type        = map(string)
  default     = {}
}
