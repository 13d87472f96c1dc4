terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}

module "slice_cluster" {
  source = "../.."

  client_cidr_blocks = [data.aws_vpc.default.cidr_block]
  name               = "example-project--dev-slices"
  subnet_ids         = data.aws_subnets.default.ids
  tags               = { Project = "example-project", Environment = "dev" }
  vpc_id             = data.aws_vpc.default.id
}

# Made apart by whoever may create roles (an administrator's bootstrap).
module "execution_role" {
  source = "../../modules/execution_role"

  ecr_repository_arn = "arn:aws:ecr:eu-west-1:111122223333:repository/example-project/dev"
  log_group_arn      = module.slice_cluster.log_group_arn
  name               = "example-project--dev-slice-execution"
}

output "slice_cluster" {
  value = {
    cluster_arn        = module.slice_cluster.cluster_arn
    execution_role_arn = module.execution_role.role_arn
    security_group_id  = module.slice_cluster.security_group_id
  }
}
