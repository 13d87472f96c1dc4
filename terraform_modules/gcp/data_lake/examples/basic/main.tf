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

module "data_lake" {
  source = "../.."

  location                          = "europe-west1"
  name_prefix                       = "example-project-prod"
  noncurrent_version_retention_days = 365
  project_id                        = "example-project-prod"
  read_only_members                 = ["serviceAccount:training@example-project-dev.iam.gserviceaccount.com"]
}

output "bucket_urls" {
  value = module.data_lake.bucket_urls
}
