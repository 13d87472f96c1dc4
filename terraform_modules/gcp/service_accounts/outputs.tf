output "image_build_email" {
  description = "E-mail of the image-build service account (gcloud builds submit --service-account)."
  value       = google_service_account.build.email
}

output "image_build_member" {
  description = "IAM member of the image-build service account."
  value       = google_service_account.build.member
}

output "prod_data_reader_member" {
  description = "IAM member of the developers' reader account (null unless developer_reader)."
  value       = one(google_service_account.prod_data_reader[*].member)
}

output "training_email" {
  description = "E-mail of the training service account."
  value       = google_service_account.training.email
}

output "training_member" {
  description = "IAM member of the training service account."
  value       = google_service_account.training.member
}
