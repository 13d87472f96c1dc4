output "backend_config_hcl" {
  description = "The backend block the environment's backend.tf must match."
  value       = module.state_backend.backend_config_hcl
}

output "ci_subjects" {
  description = "The OIDC `sub` each CI role trusts, by role (empty without CI)."
  value       = var.ci == "none" ? {} : module.ci_oidc[0].subjects[var.ci]
}

output "deploy_role_arn" {
  description = "Role CI assumes through OIDC to deploy this environment (null without CI)."
  value       = var.ci == "none" ? null : module.ci_oidc[0].role_arns[var.environment]
}

output "gitlab_audiences" {
  description = "The `aud` each CI role trusts from GitLab, by role (empty without GitLab)."
  value       = var.ci == "none" ? {} : module.ci_oidc[0].gitlab_audiences
}

output "image_build_role_arn" {
  description = "Role the image build (CodeBuild) runs as."
  value       = module.image_build_role.role_arn
}

output "plan_role_arn" {
  description = "Read-only role CI assumes through OIDC to plan this environment (null without CI)."
  value       = var.ci == "none" ? null : module.ci_oidc[0].role_arns["${var.environment}-plan"]
}

output "prod_data_reader_role_arn" {
  description = "Role developers of dev assume to read production data (null outside dev)."
  value       = var.environment == "dev" ? aws_iam_role.prod_data_reader[0].arn : null
}

output "slice_execution_role_arn" {
  description = "Role ECS starts the slice cluster's tasks with (image pull, logs)."
  value       = module.slice_execution_role.role_arn
}

output "slice_worker_role_arn" {
  description = "Role the code in the slice cluster's tasks runs as."
  value       = module.slice_worker_role.role_arn
}

output "state_bucket" {
  description = "Name of the state bucket."
  value       = module.state_backend.bucket_name
}

output "trainer_role_arn" {
  description = "Role CI's training jobs assume through OIDC (null without CI)."
  value       = var.ci == "none" ? null : module.ci_oidc[0].role_arns["${var.environment}-trainer"]
}

output "training_role_arn" {
  description = "Role SageMaker training jobs run as."
  value       = module.training_role.role_arn
}

output "slice_endpoint_ids" {
  description = "The account's VPC endpoints for the slice tasks, by service, if this environment makes them (slice_endpoints); else empty."
  value = local.makes_slice_endpoints ? merge(
    module.slice_endpoints[0].interface_endpoint_ids,
    { s3 = module.slice_endpoints[0].s3_endpoint_id },
  ) : {}
}
