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

module "wif" {
  source = "../.."

  deploy_roles   = ["roles/storage.admin"]
  environment    = "prod"
  environments   = ["dev", "staging", "prod"]
  github         = { repository = "my-org/example-project" }
  project_id     = "example-project-prod"
  project_number = "123456789012"
  state_bucket   = "example-project-prod-tfstate"
}

output "workload_identity_provider" {
  value = module.wif.workload_identity_provider
}
