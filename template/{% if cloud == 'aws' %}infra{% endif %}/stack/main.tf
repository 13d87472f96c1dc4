# The one definition of an environment. dev, staging and prod call this with their own
# terraform.tfvars.json; nothing here is copied per environment.

locals {
  # Every name of this environment starts with "<project>--<env>": a project slug never holds
  # "--", so a policy scoped to "<project>--<env>-*" can never reach another project.
  prefix          = "${var.project}--${var.environment}"
  repository_name = "${var.project}/${var.environment}"

  # Production data may be read from dev, never written: dev gets read-only access to
  # the prod buckets, whose names follow the same convention as every environment's.
  prod_data_bucket_arns = [
    for purpose in ["raw", "processed"] : "arn:aws:s3:::${var.project}--prod-${purpose}"
  ]
}

module "data_lake" {
  source = "../modules/data_lake"

  force_destroy                     = var.force_destroy
  noncurrent_version_retention_days = var.data_retention_days
  prefix                            = local.prefix
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
  tags                 = var.tags
}

module "budget_alerts" {
  source = "../modules/budget_alerts"

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

module "prod_data_readonly" {
  source = "../modules/prod_data_readonly"
  count  = var.environment == "dev" ? 1 : 0

  name             = "${local.prefix}-prod-data-readonly"
  prod_bucket_arns = local.prod_data_bucket_arns
  readers          = { training = module.ml_iam.role_arn }
  tags             = var.tags
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

check "prod_keeps_its_data" {
  assert {
    condition     = !(var.environment == "prod" && var.force_destroy)
    error_message = "prod must keep its data: force_destroy is never allowed in prod."
  }
}
