# The one definition of an environment. Every environment (var.environments) calls this with its own
# terraform.tfvars.json; nothing here is copied per environment. CI's deploy role applies it:
# it makes the environment's resources and no IAM identity. The roles its services run as
# (training, image build) and the CI roles are infra/bootstrap's, applied by an
# administrator; this stack names them by the names both read from ../names.

module "names" {
  source = "../names"

  environment  = var.environment
  environments = var.environments
  project      = var.project
}

locals {
  prefix     = module.names.prefix
  role_names = module.names.role_names
  roles      = module.names.arns.role_of

  # In per-environment accounts, prod's buckets must name dev's readers in their policy too:
  # cross-account access needs both the reader's and the bucket owner's consent. dev's readers
  # are made by dev's bootstrap (prod_data_reader, training); only their names are read here.
  prod_data_purposes      = ["raw", "processed"]
  prod_grants_dev_readers = var.environment == "prod" && var.per_environment_accounts
  dev_reader_arns = [
    for name in ["${module.names.prefix_of["dev"]}-prod-data-reader", "${module.names.prefix_of["dev"]}-training"] :
    "arn:${module.names.partition}:iam::${var.dev_account_id}:role/${name}"
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
  name = module.names.repository_name
  tags = var.tags
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
  name               = module.names.image_build_project
  # The bootstrap's role: the deploy role may pass it to CodeBuild, never create one.
  service_role_arn = local.roles.image_build
  # CI uploads `git archive` of the commit here and builds exactly that object version.
  source_bucket_arn = module.data_lake.bucket_arns["artifacts"]
  source_object_key = "image-source/source.zip"
  tags              = var.tags
}

# Where `train --slices --remote` trains a run's slices: a Dask scheduler and workers started
# per run as Fargate tasks of this cluster (docs/decisions/0008), in the account's default
# VPC. Only tasks of the cluster's security group, and clients inside the VPC, reach the
# scheduler. The tasks run as the bootstrap's roles (slice_worker, slice_execution).
data "aws_vpc" "this" {
  default = true
}

data "aws_subnets" "this" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.this.id]
  }
}

module "slice_cluster" {
  source = "../modules/slice_cluster"

  client_cidr_blocks = [data.aws_vpc.this.cidr_block]
  name               = module.names.slice_cluster
  subnet_ids         = sort(data.aws_subnets.this.ids)
  tags               = var.tags
  vpc_id             = data.aws_vpc.this.id
}

check "names_are_valid_bucket_names" {
  assert {
    condition     = !startswith(local.prefix, "xn--") && !startswith(local.prefix, "sthree-")
    error_message = "Bucket names may not start with \"xn--\" or \"sthree-\": choose another project slug."
  }
}
