data "aws_caller_identity" "current" {}

locals {
  role_name          = "${var.name}-codebuild"
  source_bucket_name = var.source_bucket_arn == null ? null : regex("[^:]+$", var.source_bucket_arn)
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:build logs hold no secrets and are encrypted at rest by CloudWatch by default
  #checkov:skip=CKV_AWS_338:build logs are for debugging recent builds; retention is the log_retention_days variable
  name              = "/aws/codebuild/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = merge(var.tags, { Name = "/aws/codebuild/${var.name}" })
}

data "aws_iam_policy_document" "assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["codebuild.amazonaws.com"]
    }

    # Only CodeBuild acting for this account may take the role (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = local.role_name
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary
  tags                 = merge(var.tags, { Name = local.role_name })
}

#iam-scan:skip=DataExfiltration:s3:GetObject:the build reads its source archive from the artifacts bucket
#iam-scan:skip=CredentialsExposure:ecr:GetAuthorizationToken:pulling and pushing images needs a registry login token, which IAM cannot scope to a repository
data "aws_iam_policy_document" "this" {
  # GetAuthorizationToken is not resource-scoped in IAM: AWS only accepts "*" here.
  statement {
    sid       = "LogInToEcr"
    effect    = "Allow"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid    = "PushToProjectRepository"
    effect = "Allow"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [var.ecr_repository_arn]
  }

  statement {
    sid       = "WriteBuildLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [aws_cloudwatch_log_group.this.arn, "${aws_cloudwatch_log_group.this.arn}:*"]
  }

  dynamic "statement" {
    for_each = var.source_bucket_arn == null ? [] : [var.source_bucket_arn]

    content {
      sid       = "ReadSourceBucket"
      effect    = "Allow"
      actions   = ["s3:GetBucketAcl", "s3:GetBucketLocation"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.source_bucket_arn == null ? [] : [var.source_bucket_arn]

    content {
      sid       = "ReadSourceArchive"
      effect    = "Allow"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = ["${statement.value}/*"]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-build"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_codebuild_project" "this" {
  #checkov:skip=CKV_AWS_316:docker build needs privileged mode in CodeBuild; the project only builds this repository
  name          = var.name
  description   = var.description == "" ? "Builds the project's image and pushes it to ECR, tagged with the git commit" : var.description
  service_role  = aws_iam_role.this.arn
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
  depends_on = [aws_iam_role_policy.this]
}
