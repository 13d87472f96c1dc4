output "service_account_email" {
  description = "The build service account (gcloud builds submit --service-account)."
  value       = google_service_account.build.email
}
