output "bucket_names" {
  description = "Data buckets by purpose (raw, processed, models, artifacts)."
  value       = module.data_lake.bucket_names
}

output "budget_cost_filter" {
  description = "The cost filter that scopes this environment's budget."
  value       = module.budget_alerts.cost_filters
}

output "budget_name" {
  description = "Name of this environment's monthly cost budget."
  value       = module.budget_alerts.budget_name
}

output "deploy_role_arn" {
  description = "Role CI assumes through OIDC to deploy this environment, made by infra/bootstrap (null without CI)."
  value       = var.ci == "none" ? null : local.roles.deploy
}

output "image_build_project" {
  description = "CodeBuild project that builds and pushes the image, tagged with the git commit."
  value       = module.remote_build.project_name
}

output "plan_role_arn" {
  description = "Read-only role CI assumes through OIDC to plan this environment, made by infra/bootstrap (null without CI)."
  value       = var.ci == "none" ? null : local.roles.plan
}

output "prod_data_reader_role_arn" {
  description = "Role developers of dev assume to read production data, made by dev's infra/bootstrap (null outside dev)."
  value       = var.environment == "dev" ? local.roles.prod_data_reader : null
}

output "project_description" {
  description = "The project description, as Terraform received it."
  value       = var.project_description
}

output "repository_url" {
  description = "ECR repository of the project's image."
  value       = module.container_registry.repository_url
}

output "slice_cluster" {
  description = "What `train --slices --remote` starts its Dask cluster with: the ECS cluster, its log group, security group and subnets, and the roles its tasks run as (made by infra/bootstrap)."
  value = {
    cluster_arn = module.slice_cluster.cluster_arn
    # The tag IAM lets the trainer register task definitions and run tasks with only.
    cost_scope         = "${var.project}/${var.environment}"
    execution_role_arn = local.roles.slice_execution
    log_group          = module.slice_cluster.log_group_name
    # Every run's Dask cluster is named "<name_prefix><UTC time>": the trainer may run only
    # task definitions "dask-<name_prefix>*".
    name_prefix       = module.names.slice_dask_prefix
    security_group_id = module.slice_cluster.security_group_id
    subnet_ids        = module.slice_cluster.subnet_ids
    task_role_arn     = local.roles.slice_worker
    vpc_id            = data.aws_vpc.this.id
  }
}

output "trainer_role_arn" {
  description = "Role CI's training jobs assume through OIDC, made by infra/bootstrap (null without CI)."
  value       = var.ci == "none" ? null : local.roles.trainer
}

output "training_role_arn" {
  description = "Role training jobs run as, made by infra/bootstrap."
  value       = local.roles.training
}
