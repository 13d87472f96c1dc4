output "service_account_email" {
  description = "The build service account (gcloud builds submit --service-account)."
  value       = google_service_account.build.email
}

output "project_roles" {
  description = "Project roles this module grants (the stack's deploy account must be allowed to grant them)."
  value       = [local.logs_role]
}
