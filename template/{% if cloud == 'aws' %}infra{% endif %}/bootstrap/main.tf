# Applied once per environment, before anything else, by an administrator, with local state:
# the S3 bucket that holds that environment's remote state, and every IAM identity of the
# environment (ci_roles.tf: the roles CI assumes; workload_roles.tf: the roles the stack's
# services run as). CI applies only infra/envs/<env>, and may create or change no identity
# (docs/decisions/0007-identities-in-the-bootstrap.md). One workspace per environment keeps
# the three local states apart:
#
#   make infra-bootstrap ENV=dev
#
# Commit nothing from terraform.tfstate.d/ (git-ignored). Losing this local state means
# importing the bucket and the roles again (`terraform import`); keep a copy of it where the
# administrators keep such things.

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

module "names" {
  source = "../names"

  environment  = var.environment
  environments = var.environments
  project      = var.project
}

module "state_backend" {
  source = "../modules/state_backend"

  bucket_name = module.names.state_bucket
  state_key   = module.names.state_key
}

check "workspace_matches_environment" {
  assert {
    condition     = terraform.workspace == "default" || terraform.workspace == var.environment
    error_message = "Select the workspace of the environment you bootstrap: terraform workspace select -or-create ${var.environment}."
  }
}
