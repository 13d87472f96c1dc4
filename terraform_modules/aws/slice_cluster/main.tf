# Where a run's slices train across several machines: an ECS cluster whose tasks run on
# Fargate, started per run by dask-cloudprovider's FargateCluster (one scheduler task and
# N worker tasks, from the project's image), their log group, and the security group that
# lets the scheduler and the workers talk to each other. The cluster itself costs nothing
# while no task runs.
#
# The roles the tasks run as (a task role like the training role, and an execution role that
# pulls the image and writes the logs) are not made here: an administrator's bootstrap makes
# them (modules/execution_role, and ml_iam for the task role), and a caller that may not
# create roles only names them in the ARNs it passes on.

locals {
  log_group_name = "/ecs/${var.name}"
}

resource "aws_ecs_cluster" "this" {
  #checkov:skip=CKV_AWS_65:Container Insights bills per task metric; a slice run is short and its tasks log to the cluster's log group
  name = var.name
  tags = merge(var.tags, { Name = var.name })

  setting {
    name  = "containerInsights"
    value = "disabled"
  }
}

# FARGATE for the scheduler, FARGATE or FARGATE_SPOT for workers (dask-cloudprovider's
# fargate_spot); no EC2 instances to manage.
resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:task logs hold no secrets and are encrypted at rest by CloudWatch by default
  #checkov:skip=CKV_AWS_338:slice task logs are for debugging recent runs; retention is the log_retention_days variable
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  tags              = merge(var.tags, { Name = local.log_group_name })
}

# Dask's scheduler and workers talk over TCP without TLS (dask-cloudprovider's ECS tasks
# have no certificates): the scheduler's ports open only to the cluster's own tasks and to
# the clients' networks (client_cidr_blocks), never to the internet.
resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:attached at run time to the Dask tasks FargateCluster starts (network configuration of RunTask), not to a Terraform resource
  #checkov:skip=CKV_AWS_382:tasks pull the image from ECR and read S3 through the internet gateway (or NAT) of the VPC they run in
  name        = var.name
  description = "Dask scheduler and workers of ${var.name}: each other, and clients of the listed networks"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = var.name })

  ingress {
    description = "Scheduler and workers, to each other (any port: workers listen on random ones)"
    from_port   = 0
    to_port     = 65535
    protocol    = "tcp"
    self        = true
  }

  dynamic "ingress" {
    for_each = length(var.client_cidr_blocks) > 0 ? [1] : []

    content {
      description = "Clients to the scheduler and its dashboard"
      from_port   = var.scheduler_port
      to_port     = var.scheduler_port + 1
      protocol    = "tcp"
      cidr_blocks = var.client_cidr_blocks
    }
  }

  egress {
    description = "Image pulls, data and logs (ECR, S3, CloudWatch), and the client"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
