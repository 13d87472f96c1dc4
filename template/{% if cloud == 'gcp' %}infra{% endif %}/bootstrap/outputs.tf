output "deploy_service_account" {
  description = "Service account CI's apply jobs of this environment act as (null without CI)."
  value       = var.ci == "none" ? null : module.ci[0].deploy_service_account
}

output "image_build_service_account" {
  description = "Service account Cloud Build runs the image build as."
  value       = module.service_accounts.image_build_email
}

output "plan_service_account" {
  description = "Read-only service account CI's plan jobs act as (null without CI)."
  value       = var.ci == "none" ? null : module.ci[0].plan_service_account
}

output "project_id" {
  description = "The environment's project."
  value       = google_project.this.project_id
}

output "state_bucket" {
  description = "Bucket of the environment's remote state (envs/<env>/backend.tf names it)."
  value       = module.state_backend.bucket_name
}

output "training_service_account" {
  description = "Service account Vertex AI training jobs run as."
  value       = module.service_accounts.training_email
}

output "workload_identity_provider" {
  description = "The CI's Workload Identity provider (null without CI): the GCP_WIF_PROVIDER variables of CI."
  value       = var.ci == "none" ? null : module.ci[0].workload_identity_provider
}
