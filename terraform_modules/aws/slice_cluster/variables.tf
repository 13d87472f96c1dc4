variable "client_cidr_blocks" {
  description = "Networks the Dask client may reach the scheduler from (its port and the dashboard's), e.g. the VPC's CIDR when training runs in the VPC. Empty: only the cluster's own tasks."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for block in var.client_cidr_blocks : can(cidrhost(block, 0)) && block != "0.0.0.0/0"])
    error_message = "client_cidr_blocks must hold IPv4 CIDR blocks such as \"10.0.0.0/16\", never 0.0.0.0/0 (Dask's scheduler has no authentication)."
  }
}

variable "log_retention_days" {
  description = "Days the tasks' logs are kept."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "name" {
  description = "Name of the ECS cluster and its security group; the log group is \"/ecs/<name>\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$", var.name))
    error_message = "name must be 1-255 letters, digits, hyphens and underscores, starting with a letter or digit (ECS cluster names)."
  }
}

variable "scheduler_port" {
  description = "Port of the Dask scheduler (the dashboard listens on the next one)."
  type        = number
  default     = 8786

  validation {
    condition     = var.scheduler_port >= 1024 && var.scheduler_port < 65535
    error_message = "scheduler_port must be between 1024 and 65534."
  }
}

variable "subnet_ids" {
  description = "Subnets the tasks run in (of vpc_id); passed through to the outputs for the client."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "subnet_ids must name at least one subnet of the VPC."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC of the security group and the subnets."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID such as vpc-0abc123."
  }
}
