mock_provider "google" {}

variables {
  location      = "europe-west1"
  project_id    = "example-project-dev"
  repository_id = "images"
}

run "immutable_docker_repository" {
  command = plan

  assert {
    condition     = google_artifact_registry_repository.this.format == "DOCKER" && one(google_artifact_registry_repository.this.docker_config).immutable_tags
    error_message = "The repository holds Docker images with immutable tags."
  }

  assert {
    condition     = output.repository_url == "europe-west1-docker.pkg.dev/example-project-dev/images"
    error_message = "repository_url is the Docker host path."
  }

  assert {
    condition     = google_artifact_registry_repository.this.cleanup_policy_dry_run == false && length(google_artifact_registry_repository.this.cleanup_policies) == 2
    error_message = "The cleanup policies are enforced, not dry-run."
  }
}

run "readers_pull_and_writers_push" {
  command = plan

  variables {
    readers = ["serviceAccount:training@example-project-dev.iam.gserviceaccount.com"]
    writers = ["serviceAccount:image-build@example-project-dev.iam.gserviceaccount.com"]
  }

  assert {
    condition     = [for m in google_artifact_registry_repository_iam_member.readers : m.role] == ["roles/artifactregistry.reader"] && [for m in google_artifact_registry_repository_iam_member.writers : m.role] == ["roles/artifactregistry.writer"]
    error_message = "Readers pull and writers push, with the narrowest roles."
  }
}

run "refuses_upper_case_id" {
  command = plan

  variables {
    repository_id = "Images"
  }

  expect_failures = [var.repository_id]
}
