output "account_id" {
  description = "The AWS account the caller acts in."
  value       = local.account_id
}

output "arns" {
  description = "ARNs (and ARN patterns) of the environment's resources, for policies."
  value = {
    bucket_of          = { for purpose, name in local.bucket_names : purpose => "arn:${local.partition}:s3:::${name}" }
    buckets            = "arn:${local.partition}:s3:::${local.prefix}-*"
    budgets            = "arn:${local.partition}:budgets::${local.account_id}:budget/${local.prefix}-*"
    image_build        = "arn:${local.partition}:codebuild:${local.region}:${local.account_id}:project/${local.image_build_project}"
    image_build_logs   = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/codebuild/${local.image_build_project}"
    log_groups         = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"
    prod_data_buckets  = [for purpose in ["raw", "processed"] : "arn:${local.partition}:s3:::${local.prefix_of["prod"]}-${purpose}"]
    repository         = "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${local.repository_name}"
    role_of            = { for key, name in local.role_names : key => "${local.iam_arn}:role/${name}" }
    slice_cluster      = "arn:${local.partition}:ecs:${local.region}:${local.account_id}:cluster/${local.slice_cluster}"
    slice_logs         = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.slice_logs}"
    slice_tasks        = "arn:${local.partition}:ecs:${local.region}:${local.account_id}:task/${local.slice_cluster}/*"
    slice_task_defs    = "arn:${local.partition}:ecs:${local.region}:${local.account_id}:task-definition/dask-${local.slice_dask_prefix}*"
    state_bucket       = "arn:${local.partition}:s3:::${local.state_bucket}"
    state_object       = "arn:${local.partition}:s3:::${local.state_bucket}/${local.state_key}"
    training_jobs      = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:training-job/${local.prefix}-train-*"
    training_job_logs  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/sagemaker/TrainingJobs"
    oidc_provider_of   = { for host in ["token.actions.githubusercontent.com", "gitlab.com"] : host => "${local.iam_arn}:oidc-provider/${host}" }
    account_principals = "${local.iam_arn}:root"
  }
}

output "bucket_names" {
  description = "Data bucket names by purpose (artifacts, models, processed, raw)."
  value       = local.bucket_names
}

output "image_build_project" {
  description = "Name of the CodeBuild project that builds the image."
  value       = local.image_build_project
}

output "partition" {
  description = "The AWS partition (aws, aws-cn, aws-us-gov)."
  value       = local.partition
}

output "prefix" {
  description = "The environment's name prefix, \"<project>--<env>\"."
  value       = local.prefix
}

output "prefix_of" {
  description = "Every environment's name prefix, by environment."
  value       = local.prefix_of
}

output "region" {
  description = "The provider's region."
  value       = local.region
}

output "repository_name" {
  description = "Name of the environment's ECR repository, \"<project>/<env>\"."
  value       = local.repository_name
}

output "role_names" {
  description = "Role names by purpose: deploy, plan, trainer (CI identities), training, image_build (workload roles), prod_data_reader (dev's developers)."
  value       = local.role_names
}

output "slice_cluster" {
  description = "Name of the ECS cluster a run's slices train on."
  value       = local.slice_cluster
}

output "slice_dask_prefix" {
  description = "Name prefix of every run's Dask cluster (its task definition families are \"dask-<name>-scheduler|worker\")."
  value       = local.slice_dask_prefix
}

output "slice_logs" {
  description = "Name of the slice cluster's log group."
  value       = local.slice_logs
}

output "state_bucket" {
  description = "Name of the environment's state bucket."
  value       = local.state_bucket
}

output "state_key" {
  description = "Object key of the environment's state in its bucket."
  value       = local.state_key
}

output "training_job_prefix" {
  description = "Name prefix of the environment's SageMaker training jobs (src/<package>/remote.py): \"<prefix>-train-\"."
  value       = "${local.prefix}-train-"
}
