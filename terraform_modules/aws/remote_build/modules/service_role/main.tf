# The build's service role: push to one repository, write one log group, read the source.
# A submodule so that the role can be made apart from the project, by whoever may create
# roles (an administrator's bootstrap), while the project is made by a deploy role that may
# only pass the role to CodeBuild (remote_build's service_role_arn).

data "aws_caller_identity" "current" {}

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
  name                 = var.name
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary
  tags                 = merge(var.tags, { Name = var.name })
}

#iam-scan:skip=CredentialsExposure:ecr:GetAuthorizationToken:pushing the image needs a registry login token, which IAM cannot scope to a repository
#iam-scan:skip=DataExfiltration:s3:GetObject:the build reads the source archive CI uploaded for it, in the artifacts bucket
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
    resources = [var.log_group_arn, "${var.log_group_arn}:*"]
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
