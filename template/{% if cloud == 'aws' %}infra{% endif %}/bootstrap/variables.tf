# Run with -var-file=../envs/<env>/terraform.tfvars.json so that the bootstrap takes the
# answers' values from the same file as the environment. Terraform only warns about the
# values in it that the bootstrap does not need.

variable "aws_region" {
  description = "AWS region of the environment."
  type        = string
}

variable "environment" {
  description = "Environment whose state bucket this creates: dev, staging or prod."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "owner" {
  description = "Owner tag."
  type        = string
}

variable "project" {
  description = "Project slug: the state bucket is <project>-<environment>-tfstate."
  type        = string
}
