data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  log_group_prefix = coalesce(var.log_group_prefix, "/ml/${var.name}")
  log_groups_arn   = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group"
  log_group_arn    = "${local.log_groups_arn}:${local.log_group_prefix}"
  # SageMaker writes every training job's output to this one group of the account, in
  # streams named <job name>/algo-<n>-<epoch>; the group name is fixed by SageMaker.
  sagemaker_log_group_arn = "${local.log_groups_arn}:/aws/sagemaker/TrainingJobs"
}

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "TrustedServices"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = var.trusted_services
    }

    # Stops another account's jobs from using this role through the same service (confused deputy).
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

#iam-scan:skip=DataExfiltration:s3:GetObject:training reads and writes its own environment's data
#iam-scan:skip=CredentialsExposure:ecr:GetAuthorizationToken:pulling and pushing images needs a registry login token, which IAM cannot scope to a repository
data "aws_iam_policy_document" "this" {
  statement {
    sid       = "ListProjectBuckets"
    effect    = "Allow"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = var.bucket_arns
  }

  # No s3:DeleteObject: versioned buckets keep history, and training never needs to remove data.
  statement {
    sid    = "ReadWriteProjectObjects"
    effect = "Allow"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
    ]
    resources = [for arn in var.bucket_arns : "${arn}/*"]
  }

  statement {
    sid    = "PullProjectImages"
    effect = "Allow"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [var.ecr_repository_arn]
  }

  # GetAuthorizationToken is not resource-scoped in IAM: AWS only accepts "*" here.
  statement {
    sid       = "LogInToEcr"
    effect    = "Allow"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid    = "WriteProjectLogs"
    effect = "Allow"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = ["${local.log_group_arn}*", "${local.log_group_arn}*:log-stream:*"]
  }

  # A SageMaker training job writes its logs as the job's role. CreateLogStream is authorized
  # on the log group (IAM cannot scope it to a stream name); PutLogEvents is, so writing is
  # limited to this role's own jobs' streams.
  dynamic "statement" {
    for_each = var.sagemaker_job_name_prefix == null ? [] : [1]

    content {
      sid       = "OpenSageMakerTrainingLogs"
      effect    = "Allow"
      actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams"]
      resources = [local.sagemaker_log_group_arn, "${local.sagemaker_log_group_arn}:*"]
    }
  }

  dynamic "statement" {
    for_each = var.sagemaker_job_name_prefix == null ? [] : [1]

    content {
      sid       = "WriteSageMakerTrainingLogs"
      effect    = "Allow"
      actions   = ["logs:PutLogEvents"]
      resources = ["${local.sagemaker_log_group_arn}:log-stream:${var.sagemaker_job_name_prefix}*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.kms_key_arns) > 0 ? [1] : []

    content {
      sid       = "UseBucketKeys"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = var.kms_key_arns
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-access"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
