# Applied once per environment, before anything else, with local state: it creates the S3
# bucket that holds that environment's remote state. One workspace per environment keeps
# the three local states apart:
#
#   make infra-bootstrap ENV=dev
#
# Commit nothing from terraform.tfstate.d/ (git-ignored); the bucket is protected by
# versioning, so losing this local state only means importing the bucket again.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      project     = var.project
      environment = var.environment
      owner       = var.owner
      managed-by  = "terraform"
    }
  }
}

module "state_backend" {
  source = "../modules/state_backend"

  bucket_name = "${var.project}--${var.environment}-tfstate"
  state_key   = "${var.project}/${var.environment}/terraform.tfstate"
}

check "workspace_matches_environment" {
  assert {
    condition     = terraform.workspace == "default" || terraform.workspace == var.environment
    error_message = "Select the workspace of the environment you bootstrap: terraform workspace select -or-create ${var.environment}."
  }
}
