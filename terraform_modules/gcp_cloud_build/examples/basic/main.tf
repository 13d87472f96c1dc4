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

module "cloud_build" {
  source = "../.."

  project_id          = "example-project-dev"
  repository_location = "europe-west1"
  repository_name     = "projects/example-project-dev/locations/europe-west1/repositories/images"
  source_bucket       = "example-project-dev-artifacts"
  submitters          = ["serviceAccount:ci-deploy@example-project-dev.iam.gserviceaccount.com"]
}

output "service_account_email" {
  value = module.cloud_build.service_account_email
}
