mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/example--dev-slices"
    }
  }

  mock_resource "aws_ecs_cluster" {
    defaults = {
      arn = "arn:aws:ecs:eu-west-1:111122223333:cluster/example--dev-slices"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111122223333:role/example--dev-slice-execution"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }

  # The provider still validates policy arguments as JSON, so the mock must return a real document.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  name       = "example--dev-slices"
  subnet_ids = ["subnet-0a1b2c3d"]
  vpc_id     = "vpc-0a1b2c3d"
  tags       = { project = "example" }
}

run "fargate_cluster_with_logs_and_a_closed_group" {
  command = plan

  assert {
    condition     = aws_ecs_cluster.this.name == "example--dev-slices" && aws_ecs_cluster.this.tags["project"] == "example"
    error_message = "The cluster is named by the caller and carries its tags."
  }

  assert {
    condition     = toset(aws_ecs_cluster_capacity_providers.this.capacity_providers) == toset(["FARGATE", "FARGATE_SPOT"])
    error_message = "Tasks run on Fargate (or Fargate Spot), never on instances to manage."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/ecs/example--dev-slices" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The tasks log to the cluster's own group, with a retention."
  }

  assert {
    condition     = aws_security_group.this.vpc_id == "vpc-0a1b2c3d" && length(aws_security_group.this.ingress) == 1
    error_message = "Without client networks, only the group's own tasks may reach each other."
  }

  assert {
    condition     = alltrue([for rule in aws_security_group.this.ingress : rule.self && length(coalesce(rule.cidr_blocks, [])) == 0])
    error_message = "Scheduler and workers reach each other through the group itself, not a network range."
  }

  assert {
    condition     = tolist(output.subnet_ids) == tolist(["subnet-0a1b2c3d"]) && output.cluster_arn == "arn:aws:ecs:eu-west-1:111122223333:cluster/example--dev-slices"
    error_message = "The outputs name what the client needs to start tasks."
  }
}

run "clients_of_the_listed_networks_reach_the_scheduler" {
  command = plan

  variables {
    client_cidr_blocks = ["10.0.0.0/16"]
  }

  assert {
    condition = anytrue([
      for rule in aws_security_group.this.ingress :
      rule.from_port == 8786 && rule.to_port == 8787 && tolist(coalesce(rule.cidr_blocks, [])) == tolist(["10.0.0.0/16"])
    ])
    error_message = "The client networks reach the scheduler's port and its dashboard, nothing else."
  }
}

run "the_internet_never_reaches_the_scheduler" {
  command = plan

  variables {
    client_cidr_blocks = ["0.0.0.0/0"]
  }

  expect_failures = [var.client_cidr_blocks]
}

run "retention_is_one_cloudwatch_accepts" {
  command = plan

  variables {
    log_retention_days = 10
  }

  expect_failures = [var.log_retention_days]
}

run "execution_role_pulls_one_image_and_writes_one_log_group" {
  command = plan

  module {
    source = "./modules/execution_role"
  }

  variables {
    name               = "example--dev-slice-execution"
    ecr_repository_arn = "arn:aws:ecr:eu-west-1:111122223333:repository/example/dev"
    log_group_arn      = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/example--dev-slices"
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.this.statement :
      !contains(s.resources, "*") || s.actions == toset(["ecr:GetAuthorizationToken"])
    ])
    error_message = "Only ecr:GetAuthorizationToken may use Resource \"*\"."
  }

  assert {
    condition = toset(flatten([
      for s in data.aws_iam_policy_document.this.statement : tolist(s.resources) if anytrue([for a in s.actions : startswith(a, "logs:")])
      ])) == toset([
      "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/example--dev-slices",
      "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/example--dev-slices:*",
    ])
    error_message = "Log writes must be limited to the cluster's log group."
  }

  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.this.statement : [for a in s.actions : !startswith(a, "s3:") && !strcontains(a, "*")]
    ]))
    error_message = "The execution role reads no data and holds no wildcard action."
  }

  assert {
    condition     = flatten([for p in data.aws_iam_policy_document.assume.statement[0].principals : tolist(p.identifiers)]) == ["ecs-tasks.amazonaws.com"]
    error_message = "Only ECS tasks may take the role."
  }
}
