# Run with -var-file=../envs/<env>/terraform.tfvars.json so that the bootstrap takes the
# answers' values from the same file as the environment. Terraform only warns about the
# values in it that the bootstrap does not need.

variable "billing_account" {
  description = "Billing account the project is created on."
  type        = string
}

variable "ci" {
  description = "CI service trusted through Workload Identity Federation: github, gitlab or none."
  type        = string
  default     = "none"

  validation {
    condition     = contains(["github", "gitlab", "none"], var.ci)
    error_message = "ci must be github, gitlab or none."
  }
}

variable "environment" {
  description = "Environment whose project and state bucket this creates: dev, staging or prod."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "parent" {
  description = "organizations/<number>, folders/<number>, or empty for a project without a parent."
  type        = string
  default     = ""

  validation {
    condition     = var.parent == "" || can(regex("^(organizations|folders)/[0-9]+$", var.parent))
    error_message = "parent must be organizations/<number>, folders/<number> or empty."
  }
}

variable "project" {
  description = "Project slug, a label on the project."
  type        = string
}

variable "project_prefix" {
  description = "The project id is <project_prefix>-<environment>."
  type        = string
}

variable "region" {
  description = "Region of the state bucket."
  type        = string
}

variable "repository" {
  description = "Repository path on the CI host, the only one the Workload Identity pool trusts."
  type        = string
  default     = ""
}
