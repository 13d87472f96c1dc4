variable "alert_emails" {
  description = "E-mail addresses that receive this environment's budget alerts."
  type        = list(string)
}

variable "budget_thresholds_percent" {
  description = "Budget percentages at which ACTUAL and FORECASTED alerts are sent."
  type        = list(number)
  default     = [50, 80, 100]
}

variable "budget_usd" {
  description = "Monthly cost budget of this environment, in USD."
  type        = number
}

variable "ci" {
  description = "CI service whose roles infra/bootstrap made: github, gitlab or none (no CI role ARNs in the outputs)."
  type        = string

  validation {
    condition     = contains(["github", "gitlab", "none"], var.ci)
    error_message = "ci must be github, gitlab or none."
  }
}

variable "data_retention_days" {
  description = "Days old (noncurrent) versions of data objects are kept before they expire."
  type        = number
}

variable "dev_account_id" {
  description = "AWS account of dev, whose reader roles prod's data buckets trust (per-environment accounts only; empty otherwise)."
  type        = string
  default     = ""

  validation {
    condition     = var.dev_account_id == "" || can(regex("^[0-9]{12}$", var.dev_account_id))
    error_message = "dev_account_id must be a 12-digit AWS account ID, or empty."
  }

  validation {
    condition     = !(var.per_environment_accounts && var.environment == "prod") || can(regex("^[0-9]{12}$", var.dev_account_id))
    error_message = "With per-environment accounts, prod needs dev_account_id (12 digits) to grant dev's readers read-only access to its data."
  }
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
  description = "Let `terraform destroy` delete non-empty buckets and registries. Never true for prod."
  type        = bool
  default     = false

  validation {
    condition     = !(var.environment == "prod" && var.force_destroy)
    error_message = "prod must keep its data: force_destroy is never allowed in prod."
  }
}

variable "per_environment_accounts" {
  description = "True when each environment has its own AWS account (aws_accounts = per-environment)."
  type        = bool
  default     = false
}

variable "project" {
  description = "Project slug: the prefix of every resource name."
  type        = string
}

variable "project_description" {
  description = "Free-text project description (from the answers), shown on the image build project."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default tags."
  type        = map(string)
  default     = {}
}
