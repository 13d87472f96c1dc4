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

module "service_accounts" {
  source = "../.."

  developer_reader = true
  job_submitters   = ["serviceAccount:ci-deploy@example-project-dev.iam.gserviceaccount.com"]
  project_id       = "example-project-dev"
}

output "training_email" {
  value = module.service_accounts.training_email
}
