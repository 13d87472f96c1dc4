terraform {
  required_version = ">= 1.10"

  required_providers {
    google = {
      source = "hashicorp/google"
      # The release dayone's offline schema check is pinned to (dayone.gcp_provider_schema).
      version = ">= 8.7, < 9.0"
    }
  }
}
