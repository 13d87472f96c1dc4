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

module "state_backend" {
  source = "../.."

  bucket_name = "example-project-dev-tfstate"
  location    = "europe-west1"
  project_id  = "example-project-dev"
}

output "backend_config" {
  value = module.state_backend.backend_config
}
