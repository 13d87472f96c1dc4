# The roles the stack's services run as, with their policies and trust, made here so that
# the deploy role never creates or changes a role (it may only pass the image build's role
# to CodeBuild). Their policies name the environment's resources by the names the stack
# gives them (../names), which exist once the stack is applied.

# SageMaker training jobs (and ECS tasks) of this account run as this role.
module "training_role" {
  source = "../modules/ml_iam"

  bucket_arns        = values(local.arns.bucket_of)
  ecr_repository_arn = local.arns.repository
  name               = local.role_names.training
  # The names `train --remote` gives its jobs (src/<package>/remote.py).
  sagemaker_job_name_prefix = module.names.training_job_prefix
  tags                      = var.tags
}

# A run's slices train in Fargate tasks of the stack's slice cluster (train --slices --remote):
# the code in them runs as this role, scoped like the training role (read the data, write
# splits and run artifacts; pull the image), trusted by ECS tasks only.
module "slice_worker_role" {
  source = "../modules/ml_iam"

  bucket_arns        = [for purpose in ["artifacts", "processed", "raw"] : local.arns.bucket_of[purpose]]
  ecr_repository_arn = local.arns.repository
  name               = local.role_names.slice_worker
  trusted_services   = ["ecs-tasks.amazonaws.com"]
  tags               = var.tags
}

# ECS starts those tasks as this role: pull the image, write the cluster's log group.
module "slice_execution_role" {
  source = "../modules/slice_cluster/modules/execution_role"

  ecr_repository_arn = local.arns.repository
  log_group_arn      = local.arns.slice_logs
  name               = local.role_names.slice_execution
  tags               = var.tags
}

# The CodeBuild project of the stack (remote_build) builds the image as this role.
module "image_build_role" {
  source = "../modules/remote_build/modules/service_role"

  ecr_repository_arn = local.arns.repository
  log_group_arn      = local.arns.image_build_logs
  name               = local.role_names.image_build
  # CI uploads `git archive` of the commit to the artifacts bucket; the build reads it.
  source_bucket_arn = local.arns.bucket_of["artifacts"]
  tags              = var.tags
}

# Developers of dev assume this role for data work: read-only on prod's data, nothing else.
# Trusted by the dev account itself, so the account's administrators decide who may assume
# it (an SSO permission set or an IAM policy allowing sts:AssumeRole on this ARN).
data "aws_iam_policy_document" "prod_data_reader_trust" {
  statement {
    sid     = "DevAccountPrincipals"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = [local.arns.account_principals]
    }
  }
}

resource "aws_iam_role" "prod_data_reader" {
  count = var.environment == "dev" ? 1 : 0

  name                 = local.role_names.prod_data_reader
  description          = "Read-only access to production data for data work in dev."
  assume_role_policy   = data.aws_iam_policy_document.prod_data_reader_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

# Production data may be read from dev, never written: dev's developers and training jobs
# get read-only access to prod's raw and processed buckets (in per-environment accounts,
# prod's bucket policies name these roles too: infra/stack, data_lake).
module "prod_data_readonly" {
  source = "../modules/prod_data_readonly"
  count  = var.environment == "dev" ? 1 : 0

  name             = "${local.prefix}-prod-data-readonly"
  prod_bucket_arns = local.arns.prod_data_buckets
  readers = {
    developers = aws_iam_role.prod_data_reader[0].arn
    training   = module.training_role.role_arn
  }
  tags = var.tags
}
