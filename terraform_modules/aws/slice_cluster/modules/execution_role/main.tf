# The role ECS itself uses to start the cluster's tasks: pull the project's image from its one
# repository and write the tasks' logs to the cluster's one log group. Nothing of the data:
# what the task's code may do is the task role's (ml_iam). A submodule so that an
# administrator's bootstrap makes it, and the deploy role only names it.

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Only ECS acting for this account may take the role (confused deputy).
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

#iam-scan:skip=CredentialsExposure:ecr:GetAuthorizationToken:pulling the image needs a registry login token, which IAM cannot scope to a repository
data "aws_iam_policy_document" "this" {
  # GetAuthorizationToken is not resource-scoped in IAM: AWS only accepts "*" here.
  statement {
    sid       = "LogInToEcr"
    effect    = "Allow"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullProjectImage"
    effect    = "Allow"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [var.ecr_repository_arn]
  }

  # dask-cloudprovider's task definitions set awslogs-create-group, which calls
  # CreateLogGroup (a no-op on the existing group) before the first stream.
  statement {
    sid       = "WriteTaskLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [var.log_group_arn, "${var.log_group_arn}:*"]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-pull-and-log"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
