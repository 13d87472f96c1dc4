# The private way out of a VPC that Fargate tasks without a public address need: interface
# endpoints for ECR's API and registry (the image pull) and for CloudWatch Logs (the tasks'
# logs), and a gateway endpoint for S3 (ECR's image layers, and the project's data).
#
# A VPC takes one interface endpoint with private DNS per service, and a route table one S3
# gateway endpoint: this is made once per account and VPC (in infra/bootstrap, by the
# environment that makes the account's OIDC provider) and serves every environment whose
# tasks run there. Each interface endpoint costs about USD 0.01 an hour per availability zone
# it has a subnet in, plus USD 0.01 per GB; the gateway endpoint is free.

data "aws_region" "current" {}

data "aws_vpc" "this" {
  id = var.vpc_id
}

locals {
  interface_services = toset(["ecr.api", "ecr.dkr", "logs"])
}

# HTTPS from the VPC's own addresses to the interface endpoints, nothing else: the endpoints
# answer, they start no connection (so no egress rule).
resource "aws_security_group" "this" {
  name        = var.name
  description = "Interface endpoints ${var.name}: HTTPS from the VPC"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = var.name })

  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [data.aws_vpc.this.cidr_block]
  }

  # Written out, not left unset: unset, AWS's allow-all egress rule would stay.
  egress = []
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_services

  vpc_id            = var.vpc_id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.${each.key}"
  vpc_endpoint_type = "Interface"
  # The service's usual hostnames resolve to the endpoint inside the VPC: the tasks' ECR
  # and CloudWatch clients need no configuration.
  private_dns_enabled = true
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.this.id]
  tags                = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = var.vpc_id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.route_table_ids
  tags              = merge(var.tags, { Name = "${var.name}-s3" })
}
