output "project_id" {
  description = "The environment's project."
  value       = google_project.this.project_id
}

output "state_bucket" {
  description = "Bucket of the environment's remote state (envs/<env>/backend.tf names it)."
  value       = module.state_backend.bucket_name
}
