output "prod_data_reader_member" {
  description = "IAM member of the developers' reader account (null unless developer_reader)."
  value       = one(google_service_account.prod_data_reader[*].member)
}

output "project_roles" {
  description = "Project roles this module grants (the stack's deploy account must be allowed to grant them)."
  value       = local.training_project_roles
}

output "training_email" {
  description = "E-mail of the training service account."
  value       = google_service_account.training.email
}

output "training_member" {
  description = "IAM member of the training service account."
  value       = google_service_account.training.member
}
