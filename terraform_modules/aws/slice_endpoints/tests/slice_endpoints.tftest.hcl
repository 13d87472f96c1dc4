mock_provider "aws" {
  override_during = plan

  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }

  mock_data "aws_vpc" {
    defaults = {
      cidr_block = "172.31.0.0/16"
    }
  }
}

variables {
  name            = "example-slice-endpoints"
  route_table_ids = ["rtb-0a1b2c3d"]
  subnet_ids      = ["subnet-0a1b2c3d"]
  vpc_id          = "vpc-0a1b2c3d"
  tags            = { project = "example" }
}

run "image_pull_and_logs_stay_inside_the_vpc" {
  command = plan

  assert {
    condition = toset([for endpoint in aws_vpc_endpoint.interface : endpoint.service_name]) == toset([
      "com.amazonaws.eu-west-1.ecr.api",
      "com.amazonaws.eu-west-1.ecr.dkr",
      "com.amazonaws.eu-west-1.logs",
    ])
    error_message = "ECR's API and registry and CloudWatch Logs each get an interface endpoint."
  }

  assert {
    condition     = alltrue([for endpoint in aws_vpc_endpoint.interface : endpoint.private_dns_enabled && endpoint.vpc_endpoint_type == "Interface"])
    error_message = "The interface endpoints answer the services' usual hostnames (private DNS)."
  }

  assert {
    condition     = alltrue([for endpoint in aws_vpc_endpoint.interface : endpoint.subnet_ids == toset(["subnet-0a1b2c3d"])])
    error_message = "The interface endpoints are in the given subnets only (each zone costs)."
  }

  assert {
    condition     = aws_vpc_endpoint.s3.service_name == "com.amazonaws.eu-west-1.s3" && aws_vpc_endpoint.s3.vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3.route_table_ids == toset(["rtb-0a1b2c3d"])
    error_message = "S3 (ECR's layers, the project's data) is reached through a gateway endpoint on the tasks' route table."
  }

  assert {
    condition     = length(aws_security_group.this.ingress) == 1 && alltrue([for rule in aws_security_group.this.ingress : rule.from_port == 443 && rule.to_port == 443 && length(rule.cidr_blocks) == 1 && rule.cidr_blocks[0] == "172.31.0.0/16"])
    error_message = "The endpoints take HTTPS from the VPC's own addresses, nothing else."
  }

  assert {
    condition     = length(aws_security_group.this.egress) == 0
    error_message = "The endpoints start no connection: their group has no egress rule."
  }

  assert {
    condition     = aws_vpc_endpoint.interface["logs"].tags["Name"] == "example-slice-endpoints-logs" && aws_vpc_endpoint.interface["logs"].tags["project"] == "example"
    error_message = "Each endpoint is named after its service and carries the caller's tags."
  }
}

run "a_route_table_is_required" {
  command = plan

  variables {
    route_table_ids = []
  }

  expect_failures = [var.route_table_ids]
}

run "the_vpc_is_an_id" {
  command = plan

  variables {
    vpc_id = "default"
  }

  expect_failures = [var.vpc_id]
}
