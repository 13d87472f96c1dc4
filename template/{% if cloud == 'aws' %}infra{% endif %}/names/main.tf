# Every name and ARN of one environment, from the project slug and the environment: the one
# definition that infra/bootstrap (the identities) and infra/stack (the resources they act
# on) both read, so that a policy written in the bootstrap names exactly what the stack makes.
#
# Every name starts with the environment's prefix "<project>--<env>". A project slug never
# holds "--", so "<project>--<env>-*" can never reach another project or environment. (ECR
# forbids "--": the image repository is "<project>/<env>".)

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  prefix_of = { for env in var.environments : env => "${var.project}--${env}" }
  prefix    = local.prefix_of[var.environment]

  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  iam_arn    = "arn:${local.partition}:iam::${local.account_id}"

  bucket_purposes = ["artifacts", "models", "processed", "raw"]
  bucket_names    = { for purpose in local.bucket_purposes : purpose => "${local.prefix}-${purpose}" }

  repository_name = "${var.project}/${var.environment}"
  # The CodeBuild project that builds the image (remote_build names its log group after it).
  image_build_project = "${local.prefix}-image"
  # The ECS cluster a run's slices train on (dask-cloudprovider's FargateCluster), its log
  # group, and the name every run gives its Dask cluster: task definition families are
  # "dask-<that name>-scheduler|worker" (src/<package>/remote_slices.py).
  slice_cluster     = "${local.prefix}-slices"
  slice_logs        = "/ecs/${local.prefix}-slices"
  slice_dask_prefix = "${local.prefix}-slices-"

  role_names = {
    deploy = "${local.prefix}-deploy"
    plan   = "${local.prefix}-plan"
    # The CI identity that trains (CI's training jobs); `training` is the role a SageMaker
    # training job runs as.
    trainer     = "${local.prefix}-trainer"
    training    = "${local.prefix}-training"
    image_build = "${local.image_build_project}-codebuild"
    # What a slice cluster's tasks run as (the code: like training) and what ECS starts them
    # with (pull the image, write the logs).
    slice_worker     = "${local.prefix}-slice-worker"
    slice_execution  = "${local.prefix}-slice-execution"
    prod_data_reader = "${local.prefix_of["dev"]}-prod-data-reader"
  }

  state_bucket = "${local.prefix}-tfstate"
  state_key    = "${var.project}/${var.environment}/terraform.tfstate"
}
