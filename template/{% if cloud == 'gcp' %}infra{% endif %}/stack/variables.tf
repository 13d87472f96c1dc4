variable "alert_emails" {
  description = "E-mail addresses that receive this environment's budget alerts (1 to 5)."
  type        = list(string)
}

variable "billing_account" {
  description = "Billing account the budget is set on."
  type        = string
}

variable "budget_amount" {
  description = "Monthly budget of this environment, in the billing account's currency."
  type        = number
}

variable "ci" {
  description = "CI service trusted through Workload Identity Federation: github, gitlab or none."
  type        = string

  validation {
    condition     = contains(["github", "gitlab", "none"], var.ci)
    error_message = "ci must be github, gitlab or none."
  }
}

variable "data_retention_days" {
  description = "Days old versions of data objects are kept before they expire."
  type        = number
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
  description = "Let `terraform destroy` delete non-empty buckets and the dataset's tables. Never true for prod."
  type        = bool
  default     = false

  validation {
    condition     = !(var.environment == "prod" && var.force_destroy)
    error_message = "prod must keep its data: force_destroy is never allowed in prod."
  }
}

variable "project_prefix" {
  description = "GCP project ids are <project_prefix>-<env>."
  type        = string
}

variable "region" {
  description = "Region of every regional resource."
  type        = string
}
