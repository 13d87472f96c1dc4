output "repository_id" {
  description = "Repository id."
  value       = google_artifact_registry_repository.this.repository_id
}

output "repository_name" {
  description = "Full resource name, for IAM bindings."
  value       = google_artifact_registry_repository.this.name
}

output "repository_url" {
  description = "Docker host/path images are pushed to: <location>-docker.pkg.dev/<project>/<repository>."
  value       = "${var.location}-docker.pkg.dev/${var.project_id}/${var.repository_id}"
}
