variable "name" {
  description = "Name of the endpoints' security group; each endpoint is tagged Name = \"<name>-<service>\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$", var.name))
    error_message = "name must be 1-255 letters, digits, dots, hyphens and underscores, starting with a letter or digit."
  }
}

variable "route_table_ids" {
  description = "Route tables of the tasks' subnets: the S3 gateway endpoint adds its route to each."
  type        = list(string)

  validation {
    condition     = length(var.route_table_ids) > 0 && alltrue([for id in var.route_table_ids : can(regex("^rtb-[0-9a-f]+$", id))])
    error_message = "route_table_ids must name at least one route table, such as rtb-0abc123."
  }
}

variable "subnet_ids" {
  description = "Subnets the interface endpoints get an address in, at most one per availability zone; each zone costs. Tasks in the VPC's other zones reach them too, at the inter-zone data price."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0 && alltrue([for id in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "subnet_ids must name at least one subnet, such as subnet-0abc123."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC whose tasks use the endpoints."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID such as vpc-0abc123."
  }
}
