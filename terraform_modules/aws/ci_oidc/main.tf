data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# The provider's default tags reach every role too; IAM sees them together with ours.
data "aws_default_tags" "current" {}

locals {
  # The environment is in the role name and, through the provider's default tags, in an
  # `environment` tag: no tag of our own repeats it.
  role_tags = { for env, _ in var.environments : env => merge(var.tags, { Name = local.role_names[env] }) }

  github_host   = "token.actions.githubusercontent.com"
  gitlab_host   = var.gitlab == null ? null : trimprefix(var.gitlab.url, "https://")
  gitlab_aud    = var.gitlab == null ? null : coalesce(var.gitlab.audience, var.gitlab.url)
  create_github = var.github != null && try(var.github.create_provider, false)
  create_gitlab = var.gitlab != null && try(var.gitlab.create_provider, false)

  # A created provider's ARN is known before it exists (arn:<partition>:iam::<account>:
  # oidc-provider/<host>), so trust policies are fully known at plan time and can be checked
  # there; the roles depend on the providers, so they are still created after them.
  provider_arn_prefix = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider"
  github_provider_arn = var.github == null ? null : (local.create_github ? "${local.provider_arn_prefix}/${local.github_host}" : var.github.provider_arn)
  gitlab_provider_arn = var.gitlab == null ? null : (local.create_gitlab ? "${local.provider_arn_prefix}/${local.gitlab_host}" : var.gitlab.provider_arn)

  # Each role trusts a list of exact subjects (or, when allowed, StringLike patterns).
  github_subjects = var.github == null ? {} : {
    for env, settings in var.environments : env => (
      settings.github_subjects != null ? settings.github_subjects :
      settings.github_subject != null ? [settings.github_subject] : ["repo:${var.github.repository}:environment:${env}"]
    )
  }
  gitlab_subjects = var.gitlab == null ? {} : {
    for env, settings in var.environments : env => (
      settings.gitlab_subjects != null ? settings.gitlab_subjects :
      settings.gitlab_subject != null ? [settings.gitlab_subject] : ["project_path:${var.gitlab.project_path}:ref_type:branch:ref:main"]
    )
  }
  # GitLab's `sub` names only the project and the ref: a per-role `aud`, requested by that
  # role's jobs in `id_tokens`, is what tells two jobs of one pipeline apart.
  gitlab_audiences = var.gitlab == null ? {} : {
    for env, settings in var.environments : env => coalesce(settings.gitlab_audience, local.gitlab_aud)
  }
  role_names = { for env, settings in var.environments : env => coalesce(settings.role_name, "${var.name}-${env}-deploy") }

  # Keyed by position, not ARN: a policy created in the same apply has no ARN at plan time,
  # and for_each keys must be known then.
  policy_attachments = merge([
    for env, settings in var.environments : {
      for index, arn in settings.policy_arns : "${env}/${index}" => { env = env, policy_arn = arn }
    }
  ]...)
}

resource "aws_iam_openid_connect_provider" "github" {
  count = local.create_github ? 1 : 0

  url            = "https://${local.github_host}"
  client_id_list = ["sts.amazonaws.com"]
  tags           = merge(var.tags, { Name = local.github_host })
}

resource "aws_iam_openid_connect_provider" "gitlab" {
  count = local.create_gitlab ? 1 : 0

  url            = var.gitlab.url
  client_id_list = sort(distinct(concat([local.gitlab_aud], values(local.gitlab_audiences), var.gitlab.extra_audiences)))
  tags           = merge(var.tags, { Name = local.gitlab_host })
}

data "aws_iam_policy_document" "trust" {
  for_each = var.environments

  dynamic "statement" {
    for_each = var.github == null ? [] : [local.github_subjects[each.key]]

    content {
      sid     = "GitHubActions"
      effect  = "Allow"
      actions = ["sts:AssumeRoleWithWebIdentity"]

      principals {
        type        = "Federated"
        identifiers = [local.github_provider_arn]
      }

      condition {
        test     = "StringEquals"
        variable = "${local.github_host}:aud"
        values   = ["sts.amazonaws.com"]
      }

      # The subject pins the repository and the GitHub environment, whose protection rules gate the job.
      condition {
        test     = anytrue([for s in statement.value : strcontains(s, "*")]) ? "StringLike" : "StringEquals"
        variable = "${local.github_host}:sub"
        values   = statement.value
      }
    }
  }

  dynamic "statement" {
    for_each = var.gitlab == null ? [] : [local.gitlab_subjects[each.key]]

    content {
      sid     = "GitLabCi"
      effect  = "Allow"
      actions = ["sts:AssumeRoleWithWebIdentity"]

      principals {
        type        = "Federated"
        identifiers = [local.gitlab_provider_arn]
      }

      condition {
        test     = "StringEquals"
        variable = "${local.gitlab_host}:aud"
        values   = [local.gitlab_audiences[each.key]]
      }

      condition {
        test     = anytrue([for s in statement.value : strcontains(s, "*")]) ? "StringLike" : "StringEquals"
        variable = "${local.gitlab_host}:sub"
        values   = statement.value
      }
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = var.environments

  name                 = local.role_names[each.key]
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = each.value.max_session_duration
  tags                 = local.role_tags[each.key]

  depends_on = [aws_iam_openid_connect_provider.github, aws_iam_openid_connect_provider.gitlab]

  lifecycle {
    # IAM compares tag keys case-insensitively: `environment` from the provider's default
    # tags and `Environment` here would make CreateRole fail, which only an apply shows.
    precondition {
      condition     = length(distinct([for key in keys(merge(data.aws_default_tags.current.tags, local.role_tags[each.key])) : lower(key)])) == length(keys(merge(data.aws_default_tags.current.tags, local.role_tags[each.key])))
      error_message = "The role's tags and the provider's default_tags hold keys that differ only by case (IAM treats them as duplicates): ${join(", ", sort(keys(merge(data.aws_default_tags.current.tags, local.role_tags[each.key]))))}."
    }
  }
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = local.policy_attachments

  role       = aws_iam_role.this[each.value.env].name
  policy_arn = each.value.policy_arn
}
