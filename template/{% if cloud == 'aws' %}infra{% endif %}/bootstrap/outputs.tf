output "backend_config_hcl" {
  description = "The backend block the environment's backend.tf must match."
  value       = module.state_backend.backend_config_hcl
}

output "state_bucket" {
  description = "Name of the state bucket."
  value       = module.state_backend.bucket_name
}
