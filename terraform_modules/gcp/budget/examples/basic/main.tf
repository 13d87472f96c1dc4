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

module "budget" {
  source = "../.."

  amount              = 50
  billing_account     = "012345-6789AB-CDEF01"
  display_name        = "example-project dev"
  notification_emails = ["ml-team@example.com"]
  project_id          = "example-project-dev"
  project_number      = "123456789012"
}

output "budget_id" {
  value = module.budget.budget_id
}
