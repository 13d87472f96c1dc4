output "bucket_names" {
  description = "Data buckets by purpose."
  value       = module.stack.bucket_names
}

output "budget_cost_filter" {
  description = "The cost filter that scopes this environment's budget."
  value       = module.stack.budget_cost_filter
}

output "budget_name" {
  description = "Name of this environment's monthly cost budget."
  value       = module.stack.budget_name
}

output "deploy_role_arn" {
  description = "Role CI assumes through OIDC to deploy this environment (made by infra/bootstrap)."
  value       = module.stack.deploy_role_arn
}

output "image_build_project" {
  description = "CodeBuild project that builds the image."
  value       = module.stack.image_build_project
}

output "plan_role_arn" {
  description = "Read-only role CI assumes through OIDC to plan this environment."
  value       = module.stack.plan_role_arn
}

output "prod_data_reader_role_arn" {
  description = "Role developers of dev assume to read production data (null outside dev)."
  value       = module.stack.prod_data_reader_role_arn
}

output "project_description" {
  description = "The project description, as Terraform received it."
  value       = module.stack.project_description
}

output "repository_url" {
  description = "ECR repository of the image."
  value       = module.stack.repository_url
}

output "slice_cluster" {
  description = "The ECS cluster, network and roles `train --slices --remote` starts its Dask cluster with."
  value       = module.stack.slice_cluster
}

output "trainer_role_arn" {
  description = "Role CI's training jobs assume through OIDC (null without CI)."
  value       = module.stack.trainer_role_arn
}

output "training_role_arn" {
  description = "Role training jobs run as."
  value       = module.stack.training_role_arn
}
