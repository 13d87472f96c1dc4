output "deploy_service_account" {
  description = "E-mail of the deploy service account (CI's apply jobs of this environment)."
  value       = google_service_account.deploy.email
}

output "deploy_service_account_member" {
  description = "IAM member of the deploy service account."
  value       = google_service_account.deploy.member
}

output "plan_service_account" {
  description = "E-mail of the read-only plan service account."
  value       = google_service_account.plan.email
}

output "workload_identity_provider" {
  description = "Full name of the CI's provider, for google-github-actions/auth or gcloud's credential config."
  value       = one(concat(google_iam_workload_identity_pool_provider.github[*].name, google_iam_workload_identity_pool_provider.gitlab[*].name))
}
