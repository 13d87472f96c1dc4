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
  project = "example-project-dev"
  region  = "europe-west1"
}

module "artifact_registry" {
  source = "../.."

  location      = "europe-west1"
  project_id    = "example-project-dev"
  repository_id = "images"
}

output "repository_url" {
  value = module.artifact_registry.repository_url
}
