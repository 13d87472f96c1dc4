terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "state_backend" {
  source = "../.."

  bucket_name = "example-project-dev-tfstate"
  state_key   = "dev/terraform.tfstate"
  tags        = { Project = "example-project", Environment = "dev" }
}

output "backend_config_hcl" {
  value = module.state_backend.backend_config_hcl
}
