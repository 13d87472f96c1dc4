variable "ecr_repository_arn" {
  description = "ARN of the ECR repository the tasks' image is pulled from (the only one the role may read)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[a-z0-9._/-]+$", var.ecr_repository_arn))
    error_message = "ecr_repository_arn must be an ECR repository ARN: arn:aws:ecr:<region>:<account>:repository/<name>."
  }
}

variable "log_group_arn" {
  description = "ARN of the cluster's log group, without a trailing \":*\" (arn:aws:logs:<region>:<account>:log-group:/ecs/<name>)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[^*]+[^:*]$", var.log_group_arn))
    error_message = "log_group_arn must be a log group ARN without a wildcard or trailing \":*\", e.g. arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/example-slices."
  }
}

variable "name" {
  description = "Name of the role, e.g. \"<project>--dev-slice-execution\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits and + = , . @ _ - (IAM role naming rules)."
  }
}

variable "permissions_boundary" {
  description = "ARN of a managed policy set as the role's permissions boundary, or null for none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to the role."
  type        = map(string)
  default     = {}
}
