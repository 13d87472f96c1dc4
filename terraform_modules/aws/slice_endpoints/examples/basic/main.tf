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

data "aws_route_table" "main" {
  vpc_id = data.aws_vpc.default.id

  filter {
    name   = "association.main"
    values = ["true"]
  }
}

# Once per account and VPC: every project and environment whose Fargate tasks run in the
# default VPC without a public address uses these.
module "slice_endpoints" {
  source = "../.."

  name            = "example-project-slice-endpoints"
  route_table_ids = [data.aws_route_table.main.id]
  subnet_ids      = [sort(data.aws_subnets.default.ids)[0]]
  tags            = { Project = "example-project" }
  vpc_id          = data.aws_vpc.default.id
}
