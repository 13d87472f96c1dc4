locals {
  create_role        = var.service_role_arn == null
  role_name          = "${var.name}-codebuild"
  role_arn           = local.create_role ? module.service_role[0].role_arn : var.service_role_arn
  source_bucket_name = var.source_bucket_arn == null ? null : regex("[^:]+$", var.source_bucket_arn)
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:build logs hold no secrets and are encrypted at rest by CloudWatch by default
  #checkov:skip=CKV_AWS_338:build logs are for debugging recent builds; retention is the log_retention_days variable
  name              = "/aws/codebuild/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = merge(var.tags, { Name = "/aws/codebuild/${var.name}" })
}

# The service role, unless one is given (service_role_arn): made by the submodule, which a
# caller without the right to create roles can apply apart (see modules/service_role).
module "service_role" {
  source = "./modules/service_role"
  count  = local.create_role ? 1 : 0

  ecr_repository_arn   = var.ecr_repository_arn
  log_group_arn        = aws_cloudwatch_log_group.this.arn
  name                 = local.role_name
  permissions_boundary = var.permissions_boundary
  source_bucket_arn    = var.source_bucket_arn
  tags                 = var.tags
}

resource "aws_codebuild_project" "this" {
  #checkov:skip=CKV_AWS_316:docker build needs privileged mode in CodeBuild; the project only builds this repository
  name          = var.name
  description   = var.description == "" ? "Builds the project's image and pushes it to ECR, tagged with the git commit" : var.description
  service_role  = local.role_arn
  build_timeout = var.build_timeout_minutes
  tags          = merge(var.tags, { Name = var.name })

  artifacts {
    type = "NO_ARTIFACTS"
  }

  environment {
    type         = "LINUX_CONTAINER"
    compute_type = var.compute_type
    image        = var.build_image
    # docker build needs the Docker daemon, which only runs in privileged mode.
    privileged_mode             = true
    image_pull_credentials_type = "CODEBUILD"

    environment_variable {
      name  = "DOCKERFILE"
      value = var.dockerfile_path
    }

    environment_variable {
      name  = "REPOSITORY_URL"
      value = var.ecr_repository_url
    }
  }

  logs_config {
    cloudwatch_logs {
      group_name = aws_cloudwatch_log_group.this.name
    }
  }

  source {
    type      = var.source_bucket_arn == null ? "NO_SOURCE" : "S3"
    location  = var.source_bucket_arn == null ? null : "${local.source_bucket_name}/${var.source_object_key}"
    buildspec = file("${path.module}/buildspec.yml")
  }

  # The role's policy must exist before the first build can log or push.
  depends_on = [module.service_role]
}
