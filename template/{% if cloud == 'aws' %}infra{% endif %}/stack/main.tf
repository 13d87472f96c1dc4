# The one definition of an environment. dev, staging and prod call this with their own
# terraform.tfvars.json; nothing here is copied per environment.

locals {
  # Every name of an environment starts with its prefix "<project>--<env>"; other
  # environments' names (prod's buckets read from dev, dev's reader roles trusted by prod)
  # come from the same rule. A project slug never holds "--", so a policy scoped to
  # "<project>--<env>-*" can never reach another project.
  prefix_of       = { for env in ["dev", "staging", "prod"] : env => "${var.project}--${env}" }
  prefix          = local.prefix_of[var.environment]
  repository_name = "${var.project}/${var.environment}"
  # SageMaker training jobs of this environment: `<prefix>-train-<UTC time>` (remote.py).
  training_job_prefix = "${local.prefix}-train-"

  # Production data may be read from dev, never written: dev gets read-only access to
  # the prod buckets, whose names follow the same convention as every environment's.
  prod_data_purposes    = ["raw", "processed"]
  prod_data_bucket_arns = [for purpose in local.prod_data_purposes : "arn:aws:s3:::${local.prefix_of["prod"]}-${purpose}"]

  # The roles of dev that read production data: people doing data work, and training jobs.
  prod_data_reader_names = {
    developers = "${local.prefix_of["dev"]}-prod-data-reader"
    training   = "${local.prefix_of["dev"]}-training"
  }
  # In per-environment accounts, prod's buckets must name dev's readers in their policy too:
  # cross-account access needs both the reader's and the bucket owner's consent.
  prod_grants_dev_readers = var.environment == "prod" && var.per_environment_accounts
  dev_reader_arns = [
    for name in values(local.prod_data_reader_names) : "arn:${data.aws_partition.current.partition}:iam::${var.dev_account_id}:role/${name}"
  ]

  # A budget measures one environment, also when environments share an account: it filters
  # on the cost-scope tag every resource carries (provider default_tags, see envs/*/main.tf).
  budget_cost_filters = { TagKeyValue = [format("user:cost-scope$%s/%s", var.project, var.environment)] }
}

module "data_lake" {
  source = "../modules/data_lake"

  force_destroy                     = var.force_destroy
  noncurrent_version_retention_days = var.data_retention_days
  prefix                            = local.prefix
  read_only_principals              = local.prod_grants_dev_readers ? { for purpose in local.prod_data_purposes : purpose => local.dev_reader_arns } : {}
  tags                              = var.tags
}

module "container_registry" {
  source = "../modules/container_registry"

  force_delete = var.force_destroy
  # ECR names allow no "--": "<project>/<env>" is as unambiguous.
  name = local.repository_name
  tags = var.tags
}

module "ml_iam" {
  source = "../modules/ml_iam"

  bucket_arns          = values(module.data_lake.bucket_arns)
  ecr_repository_arn   = module.container_registry.repository_arn
  name                 = "${local.prefix}-training"
  permissions_boundary = aws_iam_policy.boundary.arn
  # The names `train --remote` gives its jobs (src/<package>/remote.py).
  sagemaker_job_name_prefix = local.training_job_prefix
  tags                      = var.tags
}

module "budget_alerts" {
  source = "../modules/budget_alerts"

  cost_filters            = local.budget_cost_filters
  limit_amount_usd        = var.budget_usd
  name                    = "${local.prefix}-monthly"
  notification_emails     = var.alert_emails
  notification_thresholds = var.budget_thresholds_percent
  tags                    = var.tags
}

module "remote_build" {
  source = "../modules/remote_build"

  description        = var.project_description
  ecr_repository_arn = module.container_registry.repository_arn
  ecr_repository_url = module.container_registry.repository_url
  name               = "${local.prefix}-image"
  # The deploy role may create roles only with this environment's boundary.
  permissions_boundary = aws_iam_policy.boundary.arn
  # CI uploads `git archive` of the commit here and builds exactly that object version.
  source_bucket_arn = module.data_lake.bucket_arns["artifacts"]
  source_object_key = "image-source/source.zip"
  tags              = var.tags
}

# Developers of dev assume this role for data work: read-only on prod's data, nothing else.
# Trusted by the dev account itself, so the account's administrators decide who may assume
# it (an SSO permission set or an IAM policy allowing sts:AssumeRole on this ARN).
data "aws_iam_policy_document" "prod_data_reader_trust" {
  statement {
    sid     = "DevAccountPrincipals"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_iam_role" "prod_data_reader" {
  count = var.environment == "dev" ? 1 : 0

  name                 = local.prod_data_reader_names.developers
  description          = "Read-only access to production data for data work in dev."
  assume_role_policy   = data.aws_iam_policy_document.prod_data_reader_trust.json
  max_session_duration = 3600
  # Made by the dev deploy role, which may create roles only with this boundary.
  permissions_boundary = aws_iam_policy.boundary.arn
  tags                 = var.tags
}

module "prod_data_readonly" {
  source = "../modules/prod_data_readonly"
  count  = var.environment == "dev" ? 1 : 0

  name             = "${local.prefix}-prod-data-readonly"
  prod_bucket_arns = local.prod_data_bucket_arns
  readers = {
    developers = aws_iam_role.prod_data_reader[0].arn
    training   = module.ml_iam.role_arn
  }
  tags = var.tags
}

module "ci_oidc" {
  source = "../modules/ci_oidc"
  count  = var.ci == "none" ? 0 : 1

  environments = local.ci_roles
  github = var.ci != "github" ? null : {
    create_provider = var.create_oidc_provider
    provider_arn    = var.create_oidc_provider ? null : local.github_provider_arn
    repository      = var.repository
  }
  gitlab = var.ci != "gitlab" ? null : {
    audience        = local.gitlab_plan_audience
    create_provider = var.create_oidc_provider
    extra_audiences = local.gitlab_audiences_all
    project_path    = var.repository
    provider_arn    = var.create_oidc_provider ? null : local.gitlab_provider_arn
  }
  name = var.project
  tags = var.tags
}
