# The roles CI assumes through OIDC, and what they may do. No long-lived keys exist:
# a job proves who it is with its OIDC token, and AWS checks `aud` and `sub`.
#
#   <project>-<env>-deploy       trusted only by jobs of this repository running in the
#                                <env> environment (GitHub) or on the ref the pipeline
#                                deploys from (GitLab); applies Terraform, builds the image.
#   <project>-<env>-plan-deploy  trusted by any job of this repository; reads everything,
#                                writes only the state lock file, so plans run on every change.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_arn   = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}"
  plan_role_key = "${var.environment}-plan"

  github_provider_arn = "${local.account_arn}:oidc-provider/token.actions.githubusercontent.com"
  gitlab_provider_arn = "${local.account_arn}:oidc-provider/gitlab.com"

  # GitLab's `sub` names the ref, not the environment: dev and prod deploy from main (prod
  # by a manual, protected job), staging from release tags (a wildcard, refused for prod).
  gitlab_deploy_ref = {
    dev     = "ref_type:branch:ref:main"
    staging = "ref_type:tag:ref:v*"
    prod    = "ref_type:branch:ref:main"
  }

  ci_roles = {
    (var.environment) = {
      gitlab_subject = "project_path:${var.repository}:${local.gitlab_deploy_ref[var.environment]}"
      policy_arns    = ["arn:aws:iam::aws:policy/PowerUserAccess", aws_iam_policy.deploy_iam.arn]
    }
    (local.plan_role_key) = {
      github_subject = "repo:${var.repository}:*"
      gitlab_subject = "project_path:${var.repository}:*"
      policy_arns    = ["arn:aws:iam::aws:policy/ReadOnlyAccess", aws_iam_policy.plan_state_lock.arn]
    }
  }

  state_bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.project}-${var.environment}-tfstate"
  state_lock_arn   = "${local.state_bucket_arn}/${var.project}/${var.environment}/terraform.tfstate.tflock"
}

# PowerUserAccess excludes IAM, and the stack manages roles: the deploy role may manage the
# project's own roles and policies, never its own or the plan role's permissions, and never
# attach the account's administrator policies.
data "aws_iam_policy_document" "deploy_iam" {
  statement {
    sid    = "ManageProjectRolesAndPolicies"
    effect = "Allow"
    actions = [
      "iam:AttachRolePolicy",
      "iam:CreatePolicy",
      "iam:CreatePolicyVersion",
      "iam:CreateRole",
      "iam:DeletePolicy",
      "iam:DeletePolicyVersion",
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListPolicyVersions",
      "iam:ListRolePolicies",
      "iam:PassRole",
      "iam:PutRolePolicy",
      "iam:TagPolicy",
      "iam:TagRole",
      "iam:UntagPolicy",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
    ]
    resources = [
      "${local.account_arn}:role/${var.project}-*",
      "${local.account_arn}:policy/${var.project}-*",
    ]
  }

  statement {
    sid    = "ManageCiIdentityProviders"
    effect = "Allow"
    actions = [
      "iam:CreateOpenIDConnectProvider",
      "iam:DeleteOpenIDConnectProvider",
      "iam:GetOpenIDConnectProvider",
      "iam:TagOpenIDConnectProvider",
      "iam:UpdateOpenIDConnectProviderThumbprint",
    ]
    resources = [local.github_provider_arn, local.gitlab_provider_arn]
  }

  statement {
    sid    = "NeverChangeTheCiRolesThemselves"
    effect = "Deny"
    actions = [
      "iam:AttachRolePolicy",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePolicy",
      "iam:UpdateAssumeRolePolicy",
    ]
    resources = [
      "${local.account_arn}:role/${var.project}-${var.environment}-deploy",
      "${local.account_arn}:role/${var.project}-${local.plan_role_key}-deploy",
    ]
  }

  statement {
    sid       = "NeverAttachAdministratorPolicies"
    effect    = "Deny"
    actions   = ["iam:AttachRolePolicy"]
    resources = ["${local.account_arn}:role/${var.project}-*"]

    condition {
      test     = "ArnLike"
      variable = "iam:PolicyARN"
      values = [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/IAMFullAccess",
        "arn:aws:iam::aws:policy/PowerUserAccess",
      ]
    }
  }
}

resource "aws_iam_policy" "deploy_iam" {
  name        = "${local.prefix}-deploy-iam"
  description = "Lets the ${var.environment} deploy role manage the project's own IAM roles and policies."
  policy      = data.aws_iam_policy_document.deploy_iam.json
  tags        = var.tags
}

# Planning with S3 native locking writes and removes the lock file next to the state.
data "aws_iam_policy_document" "plan_state_lock" {
  statement {
    sid       = "StateLockFileOnly"
    effect    = "Allow"
    actions   = ["s3:DeleteObject", "s3:PutObject"]
    resources = [local.state_lock_arn]
  }
}

resource "aws_iam_policy" "plan_state_lock" {
  name        = "${local.prefix}-plan-state-lock"
  description = "Lets the ${var.environment} plan role take the Terraform state lock."
  policy      = data.aws_iam_policy_document.plan_state_lock.json
  tags        = var.tags
}
