variable "alert_emails" {
  description = "E-mail addresses that receive the budget alerts."
  type        = list(string)
}

variable "billing_account" {
  description = "Billing account of the projects and their budgets."
  type        = string
}

variable "budget_amount" {
  description = "Monthly budget, in the billing account's currency."
  type        = number
}

variable "ci" {
  description = "CI service trusted through Workload Identity Federation: github, gitlab or none."
  type        = string
}

variable "data_retention_days" {
  description = "Days old versions of data objects are kept."
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
  description = "Let destroy delete non-empty buckets (false in prod, always)."
  type        = bool
}

variable "parent" {
  description = "organizations/<n> or folders/<n> the projects live in (used by infra/bootstrap)."
  type        = string
  default     = ""
}

variable "project" {
  description = "Project slug, a label on every resource."
  type        = string
}

variable "project_prefix" {
  description = "GCP project ids are <project_prefix>-<env>."
  type        = string
}

variable "region" {
  description = "GCP region of this environment."
  type        = string
}

variable "repository" {
  description = "Repository path on the CI host (used by infra/bootstrap: the pool trusts it only)."
  type        = string
  default     = ""
}
