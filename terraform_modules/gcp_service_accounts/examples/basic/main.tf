terraform {
  required_version = ">= 1.10"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 8.7, < 9.0"
    }
  }
}

provider "google" {
  project = "example-project-prod"
  region  = "europe-west1"
}

module "service_accounts" {
  source = "../.."

  buckets = {
    raw       = "example-project-prod-raw"
    processed = "example-project-prod-processed"
    models    = "example-project-prod-models"
    artifacts = "example-project-prod-artifacts"
  }
  dataset_id          = "lake"
  project_id          = "example-project-prod"
  repository_location = "europe-west1"
  repository_name     = "projects/example-project-prod/locations/europe-west1/repositories/images"
}

output "training_email" {
  value = module.service_accounts.training_email
}
