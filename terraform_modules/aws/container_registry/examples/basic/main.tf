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

module "container_registry" {
  source = "../.."

  name             = "example-project"
  keep_last_images = 20
  tags             = { Project = "example-project", Environment = "dev" }
}

output "repository_url" {
  value = module.container_registry.repository_url
}
