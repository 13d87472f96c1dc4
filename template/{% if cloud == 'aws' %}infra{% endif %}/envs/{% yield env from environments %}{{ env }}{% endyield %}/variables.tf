variable "alert_emails" {
  description = "E-mail addresses that receive the budget alerts."
  type        = list(string)
}

variable "aws_region" {
  description = "AWS region of this environment."
  type        = string
}

variable "budget_usd" {
  description = "Monthly cost budget, in USD."
  type        = number
}

variable "ci" {
  description = "CI service trusted through OIDC: github, gitlab or none."
  type        = string
}

# create_oidc_provider, repository and slice_endpoints are infra/bootstrap's (the identities
# and the account's endpoints); declared here because terraform.tfvars.json, shared with the
# bootstrap, holds them.
variable "create_oidc_provider" {
  description = "Create the account's CI OIDC identity provider in this environment's bootstrap (false: reuse the one another environment's bootstrap created)."
  type        = bool
}

variable "data_retention_days" {
  description = "Days old versions of data objects are kept."
  type        = number
}

variable "dev_account_id" {
  description = "AWS account of dev (per-environment accounts): prod's data buckets grant its reader roles read-only access."
  type        = string
  default     = ""
}

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

variable "force_destroy" {
  description = "Let destroy delete non-empty buckets (false in prod, always)."
  type        = bool
}

variable "owner" {
  description = "Owner tag on every resource."
  type        = string
}

variable "per_environment_accounts" {
  description = "True when each environment has its own AWS account."
  type        = bool
  default     = false
}

variable "project" {
  description = "Project slug, the prefix of every resource name."
  type        = string
}

variable "project_description" {
  description = "Project description from the answers."
  type        = string
}

variable "repository" {
  description = "Repository path on the CI host (owner/name)."
  type        = string
}

variable "slice_endpoints" {
  description = "Make the account's VPC endpoints for the slice tasks in this environment's bootstrap, if it makes the account's OIDC provider (about USD 22 a month)."
  type        = bool
  default     = false
}
