# The account's VPC endpoints for the slice tasks of `train --slices --remote`, which have no
# public address (docs/decisions/0008-slices-on-dask-fargate.md): ECR, CloudWatch Logs and
# S3 reached from the default VPC, where every environment's slice cluster runs its tasks. A
# VPC takes them once, so one environment per account makes them: the one that makes the
# account's OIDC provider (create_oidc_provider), when slice_endpoints is true (they cost
# about USD 22 a month; off by default).

locals {
  makes_slice_endpoints = var.slice_endpoints && var.create_oidc_provider
}

data "aws_vpc" "default" {
  count   = local.makes_slice_endpoints ? 1 : 0
  default = true
}

data "aws_subnets" "default" {
  count = local.makes_slice_endpoints ? 1 : 0

  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default[0].id]
  }
}

# The default VPC's subnets use its main route table.
data "aws_route_table" "main" {
  count  = local.makes_slice_endpoints ? 1 : 0
  vpc_id = data.aws_vpc.default[0].id

  filter {
    name   = "association.main"
    values = ["true"]
  }
}

module "slice_endpoints" {
  count  = local.makes_slice_endpoints ? 1 : 0
  source = "../modules/slice_endpoints"

  name            = "${var.project}-slice-endpoints"
  route_table_ids = [data.aws_route_table.main[0].id]
  # One zone: each zone an interface endpoint is in costs; tasks in the others reach it.
  subnet_ids = [sort(data.aws_subnets.default[0].ids)[0]]
  tags       = var.tags
  vpc_id     = data.aws_vpc.default[0].id
}
