output "bucket_urls" {
  description = "gs:// URL of each data bucket, by purpose (raw, processed, models, artifacts)."
  value       = module.data_lake.bucket_urls
}

output "dataset_id" {
  description = "BigQuery dataset of the project's tables."
  value       = module.data_lake.dataset_id
}

output "deploy_service_account" {
  description = "Service account CI's apply jobs of this environment act as (null without CI; made by infra/bootstrap)."
  value       = var.ci == "none" ? null : local.account_of["ci-deploy"]
}

output "image_build_service_account" {
  description = "Service account Cloud Build runs the image build as (made by infra/bootstrap)."
  value       = local.account_of["image-build"]
}

output "plan_service_account" {
  description = "Read-only service account CI's plan jobs act as (null without CI; made by infra/bootstrap)."
  value       = var.ci == "none" ? null : local.account_of["ci-plan"]
}

output "project_id" {
  description = "This environment's project."
  value       = local.project_id
}

output "repository_url" {
  description = "Artifact Registry path of the project's images."
  value       = module.artifact_registry.repository_url
}

output "training_service_account" {
  description = "Service account Vertex AI training jobs run as (made by infra/bootstrap)."
  value       = local.account_of["training"]
}
