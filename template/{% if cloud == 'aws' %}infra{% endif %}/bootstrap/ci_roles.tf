# The roles CI assumes through OIDC, and what they may do. No long-lived keys exist: a job
# proves who it is with its OIDC token, and AWS checks `aud` and `sub` (the only token claims
# an IAM trust policy can test, besides `amr`).
#
#   <project>--<env>-deploy  applies this environment's stack and builds its image. Trusted
#                            only by this environment's deploy job: GitHub `sub`
#                            repo:<repo>:environment:<env>; GitLab `sub` of main's pipeline
#                            plus this role's own `aud`, which only that job requests.
#   <project>--<env>-plan    reads this environment's state and resources, writes only its
#                            state lock file. Trusted by pull requests and main (GitHub), by
#                            branch pipelines of this project with the plan `aud` (GitLab).
#
# Every name of the environment starts with local.prefix ("<project>--<env>"); policies are
# scoped to "<prefix>-*", which no other environment or project can match. Roles the deploy
# role creates must carry the boundary below, which grants no IAM and no STS: a created role
# can never be a way out. The CI roles themselves, their policies and the boundary cannot be
# changed by the deploy role: an administrator applies changes to them (docs/decisions/0002).

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  partition     = data.aws_partition.current.partition
  account_id    = data.aws_caller_identity.current.account_id
  region        = data.aws_region.current.name
  account_arn   = "arn:${local.partition}:iam::${local.account_id}"
  plan_role_key = "${var.environment}-plan"

  github_provider_arn = "${local.account_arn}:oidc-provider/token.actions.githubusercontent.com"
  gitlab_provider_arn = "${local.account_arn}:oidc-provider/gitlab.com"

  deploy_role_name = "${local.prefix}-deploy"
  plan_role_name   = "${local.prefix}-plan"
  ci_role_arns     = ["${local.account_arn}:role/${local.deploy_role_name}", "${local.account_arn}:role/${local.plan_role_name}"]

  # GitLab's `sub` names the project and the ref only (project_path:<p>:ref_type:<t>:ref:<r>);
  # AWS cannot test GitLab's `environment` claim. Each deploy job therefore requests a token
  # for its own `aud`, which only its role trusts, and deploys run from main's pipeline only.
  gitlab_deploy_audience = "sts.amazonaws.com/${local.deploy_role_name}"
  gitlab_plan_audience   = "sts.amazonaws.com/${var.project}--plan"
  # A provider is shared by the environments of one account: it lists every audience.
  gitlab_audiences_all = concat(
    [for env in ["dev", "staging", "prod"] : "sts.amazonaws.com/${var.project}--${env}-deploy"],
    [local.gitlab_plan_audience],
  )

  ci_roles = {
    (var.environment) = {
      role_name       = local.deploy_role_name
      gitlab_audience = local.gitlab_deploy_audience
      gitlab_subjects = ["project_path:${var.repository}:ref_type:branch:ref:main"]
      policy_arns     = [aws_iam_policy.deploy_iam.arn, aws_iam_policy.deploy_resources.arn]
    }
    (local.plan_role_key) = {
      role_name       = local.plan_role_name
      github_subjects = ["repo:${var.repository}:pull_request", "repo:${var.repository}:ref:refs/heads/main"]
      gitlab_audience = local.gitlab_plan_audience
      # Merge request pipelines carry their source branch as `ref`: any branch of this
      # project (forks are other projects), never a tag.
      gitlab_subjects        = ["project_path:${var.repository}:ref_type:branch:ref:*"]
      allow_wildcard_subject = true
      policy_arns            = [aws_iam_policy.plan.arn]
    }
  }

  env_role_arns     = "${local.account_arn}:role/${local.prefix}-*"
  env_policy_arns   = "${local.account_arn}:policy/${local.prefix}-*"
  env_bucket_arns   = "arn:${local.partition}:s3:::${local.prefix}-*"
  env_repository    = "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${local.repository_name}"
  env_build_arns    = "arn:${local.partition}:codebuild:${local.region}:${local.account_id}:project/${local.prefix}-*"
  env_log_groups    = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/codebuild/${local.prefix}-*"
  env_ml_log_groups = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/ml/${local.prefix}-*"
  # SageMaker's one log group for every training job of the account.
  sagemaker_training_logs = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/sagemaker/TrainingJobs"
  env_budget_arns         = "arn:${local.partition}:budgets::${local.account_id}:budget/${local.prefix}-*"
  boundary_arn            = "${local.account_arn}:policy/${local.prefix}-boundary"
  own_policy_arns = [
    local.boundary_arn,
    "${local.account_arn}:policy/${local.prefix}-deploy-iam",
    "${local.account_arn}:policy/${local.prefix}-deploy-resources",
    "${local.account_arn}:policy/${local.prefix}-plan",
  ]

  state_bucket_arn = "arn:${local.partition}:s3:::${local.prefix}-tfstate"
  state_key_arn    = "${local.state_bucket_arn}/${var.project}/${var.environment}/terraform.tfstate"
  state_lock_arn   = "${local.state_key_arn}.tflock"

  bucket_reads = [
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketLocation",
    "s3:GetBucketLogging",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPolicyStatus",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetBucketWebsite",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
  ]
  iam_reads = [
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListPolicyTags",
    "iam:ListPolicyVersions",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
  ]
}

# ---- The boundary of every role the deploy role creates ------------------------------------

# What workload roles (training, image build) may ever do: this environment's buckets, image
# repository and logs, and (dev only) reading the prod data buckets. No IAM, no STS.
#iam-scan:skip=DataExfiltration:s3:GetObject:workload roles read their own environment's data (dev also prod's raw and processed data, read-only); the deploy role reads state and the image source; the plan role reads only its state object
#iam-scan:skip=CredentialsExposure:ecr:GetAuthorizationToken:pulling and pushing images needs a registry login token, which IAM cannot scope to a repository
data "aws_iam_policy_document" "boundary" {
  statement {
    sid = "EnvironmentBuckets"
    actions = [
      "s3:GetBucketAcl",
      "s3:GetBucketLocation",
      "s3:ListBucket",
      "s3:ListBucketMultipartUploads",
      "s3:ListBucketVersions",
    ]
    resources = [local.env_bucket_arns]
  }

  statement {
    sid = "EnvironmentObjects"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
    ]
    resources = ["${local.env_bucket_arns}/*"]
  }

  dynamic "statement" {
    for_each = var.environment == "dev" ? [1] : []

    content {
      sid       = "ReadProdData"
      actions   = ["s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"]
      resources = concat(local.prod_data_bucket_arns, [for arn in local.prod_data_bucket_arns : "${arn}/*"])
    }
  }

  statement {
    sid = "EnvironmentImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [local.env_repository]
  }

  # GetAuthorizationToken is not resource-scoped in IAM: AWS only accepts "*" here.
  statement {
    sid       = "LogInToEcr"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "EnvironmentLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = [local.env_log_groups, "${local.env_log_groups}:*", local.env_ml_log_groups, "${local.env_ml_log_groups}:*"]
  }

  # This environment's SageMaker training jobs write their logs into SageMaker's shared group:
  # streams may be created there (IAM authorizes that on the group), events written only to
  # this environment's jobs' streams.
  statement {
    sid       = "OpenSageMakerTrainingLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams"]
    resources = [local.sagemaker_training_logs, "${local.sagemaker_training_logs}:*"]
  }

  statement {
    sid       = "WriteSageMakerTrainingLogs"
    actions   = ["logs:PutLogEvents"]
    resources = ["${local.sagemaker_training_logs}:log-stream:${local.training_job_prefix}*"]
  }
}

resource "aws_iam_policy" "boundary" {
  name        = "${local.prefix}-boundary"
  description = "Permissions boundary of every role the ${var.environment} deploy role creates."
  policy      = data.aws_iam_policy_document.boundary.json
  tags        = var.tags
}

# ---- Deploy role: IAM ----------------------------------------------------------------------

# Resource exposure through IAM: the deploy role manages this environment's workload roles and
# policies (names "<prefix>-*"), which all carry the boundary; the CI roles and their policies
# are denied below, so whatever these actions expose is bounded to this environment.
#iam-scan:skip=ResourceExposure:iam:CreatePolicy:new policies can only be attached to roles carrying this environment's boundary
#iam-scan:skip=ResourceExposure:iam:DeletePolicy:deletes only this environment's policies; the CI policies and the boundary are denied
#iam-scan:skip=ResourceExposure:iam:DeletePolicyVersion:old versions of this environment's policies only; the CI policies and the boundary are denied
#iam-scan:skip=ResourceExposure:iam:DeleteRole:this environment's workload roles only; the CI roles are denied
#iam-scan:skip=ResourceExposure:iam:UpdateRole:session duration and description of this environment's workload roles; the CI roles are denied
#iam-scan:skip=ResourceExposure:iam:UpdateRoleDescription:descriptions of this environment's workload roles; the CI roles are denied
data "aws_iam_policy_document" "deploy_iam" {
  statement {
    sid       = "ReadEnvironmentIam"
    actions   = local.iam_reads
    resources = [local.env_role_arns, local.env_policy_arns]
  }

  # Creating or changing a role's permissions is allowed only while the role carries this
  # environment's boundary (AWS checks the boundary of the role named in the request).
  statement {
    sid = "ManageBoundedRoles"
    actions = [
      "iam:AttachRolePolicy",
      "iam:CreateRole",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
    ]
    resources = [local.env_role_arns]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arn]
    }
  }

  # These requests carry no boundary key; the CI roles are denied below. No
  # iam:UpdateAssumeRolePolicy: a role's trust is set when it is created, and changing it
  # later (to trust this role, say) is an administrator's apply.
  statement {
    sid = "ManageEnvironmentRoles"
    actions = [
      "iam:DeleteRole",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = [local.env_role_arns]
  }

  # New managed policies only: a new version of an existing one (iam:CreatePolicyVersion) is
  # how a role rewrites its own permissions, so changing a managed policy's content is an
  # administrator's apply. Workload roles change through their inline policies instead.
  statement {
    sid = "ManageEnvironmentPolicies"
    actions = [
      "iam:CreatePolicy",
      "iam:DeletePolicy",
      "iam:DeletePolicyVersion",
      "iam:TagPolicy",
      "iam:UntagPolicy",
    ]
    resources = [local.env_policy_arns]
  }

  # Only the image build's role, and only to CodeBuild.
  statement {
    sid       = "PassBuildRoleToCodeBuild"
    actions   = ["iam:PassRole"]
    resources = ["${local.account_arn}:role/${local.prefix}-*-codebuild"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["codebuild.amazonaws.com"]
    }
  }

  # The identity providers are shared by every environment of the account: read only.
  statement {
    sid       = "ReadCiIdentityProviders"
    actions   = ["iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviderTags"]
    resources = [local.github_provider_arn, local.gitlab_provider_arn]
  }

  # Same-account roles can be assumed on their trust policy alone: no role this one creates
  # or changes can become a way out, because it may assume none.
  statement {
    sid       = "NeverAssumeAnotherRole"
    effect    = "Deny"
    actions   = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]
    resources = ["*"]
  }

  statement {
    sid       = "NeverRemoveABoundary"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"]
    resources = ["*"]
  }

  statement {
    sid    = "NeverChangeTheCiRoles"
    effect = "Deny"
    actions = [
      "iam:AttachRolePolicy",
      "iam:DeleteRole",
      "iam:DeleteRolePermissionsBoundary",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = local.ci_role_arns
  }

  statement {
    sid    = "NeverChangeTheCiPoliciesOrTheBoundary"
    effect = "Deny"
    actions = [
      "iam:CreatePolicyVersion",
      "iam:DeletePolicy",
      "iam:DeletePolicyVersion",
      "iam:SetDefaultPolicyVersion",
      "iam:TagPolicy",
      "iam:UntagPolicy",
    ]
    resources = local.own_policy_arns
  }
}

resource "aws_iam_policy" "deploy_iam" {
  name        = "${local.prefix}-deploy-iam"
  description = "Lets the ${var.environment} deploy role manage this environment's bounded roles and policies."
  policy      = data.aws_iam_policy_document.deploy_iam.json
  tags        = var.tags
}

# ---- Deploy role: the stack's resources ----------------------------------------------------

# The stack sets its own buckets' policies (TLS only) and public access blocks; the state
# bucket's are denied.
#iam-scan:skip=ResourceExposure:s3:PutBucketPolicy:the stack manages its own buckets' TLS-only policies; the state bucket is denied
#iam-scan:skip=ResourceExposure:s3:DeleteBucketPolicy:removing a bucket's policy on destroy of this environment's buckets; the state bucket is denied
#iam-scan:skip=ResourceExposure:s3:PutBucketPublicAccessBlock:the stack sets every bucket's public access block to block all; the state bucket is denied
data "aws_iam_policy_document" "deploy_resources" {
  statement {
    sid       = "CallerIdentity"
    actions   = ["sts:GetCallerIdentity"]
    resources = ["*"]
  }

  statement {
    sid = "EnvironmentBuckets"
    actions = concat(local.bucket_reads, [
      "s3:CreateBucket",
      "s3:DeleteBucket",
      "s3:DeleteBucketPolicy",
      "s3:ListBucket",
      "s3:ListBucketVersions",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketTagging",
      "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
    ])
    resources = [local.env_bucket_arns]
  }

  # State (and its lock), the image source archive, and emptying buckets on destroy.
  statement {
    sid = "EnvironmentObjects"
    actions = [
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:PutObject",
    ]
    resources = ["${local.env_bucket_arns}/*"]
  }

  # The state bucket belongs to infra/bootstrap: its settings and its history stay as made.
  statement {
    sid    = "NeverWeakenTheStateBucket"
    effect = "Deny"
    actions = [
      "s3:DeleteBucket",
      "s3:DeleteBucketPolicy",
      "s3:DeleteObjectVersion",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
    ]
    resources = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]
  }

  statement {
    sid = "EnvironmentRepository"
    actions = [
      "ecr:CreateRepository",
      "ecr:DeleteLifecyclePolicy",
      "ecr:DeleteRepository",
      "ecr:DescribeImages",
      "ecr:DescribeRepositories",
      "ecr:GetLifecyclePolicy",
      "ecr:GetRepositoryPolicy",
      "ecr:ListTagsForResource",
      "ecr:PutImageScanningConfiguration",
      "ecr:PutImageTagMutability",
      "ecr:PutLifecyclePolicy",
      "ecr:TagResource",
      "ecr:UntagResource",
    ]
    resources = [local.env_repository]
  }

  statement {
    sid = "EnvironmentImageBuild"
    actions = [
      "codebuild:BatchGetBuilds",
      "codebuild:BatchGetProjects",
      "codebuild:CreateProject",
      "codebuild:DeleteProject",
      "codebuild:StartBuild",
      "codebuild:UpdateProject",
    ]
    resources = [local.env_build_arns]
  }

  statement {
    sid = "EnvironmentBuildLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:DeleteRetentionPolicy",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "logs:PutRetentionPolicy",
      "logs:TagLogGroup",
      "logs:TagResource",
      "logs:UntagLogGroup",
      "logs:UntagResource",
    ]
    resources = [local.env_log_groups, "${local.env_log_groups}:*"]
  }

  # DescribeLogGroups is a list call: IAM scopes it to the account's log groups only.
  statement {
    sid       = "ListLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
  }

  statement {
    sid = "EnvironmentBudget"
    actions = [
      "budgets:ListTagsForResource",
      "budgets:ModifyBudget",
      "budgets:TagResource",
      "budgets:UntagResource",
      "budgets:ViewBudget",
    ]
    resources = [local.env_budget_arns]
  }
}

resource "aws_iam_policy" "deploy_resources" {
  name        = "${local.prefix}-deploy-resources"
  description = "Lets the ${var.environment} deploy role apply this environment's stack and build its image."
  policy      = data.aws_iam_policy_document.deploy_resources.json
  tags        = var.tags
}

# ---- Plan role: read this environment, take its lock ---------------------------------------

data "aws_iam_policy_document" "plan" {
  statement {
    sid       = "CallerIdentity"
    actions   = ["sts:GetCallerIdentity"]
    resources = ["*"]
  }

  # Bucket settings, never the data itself.
  statement {
    sid       = "ReadEnvironmentBucketSettings"
    actions   = local.bucket_reads
    resources = [local.env_bucket_arns]
  }

  statement {
    sid       = "ReadState"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket_arn]
  }

  statement {
    sid       = "ReadStateObject"
    actions   = ["s3:GetObject"]
    resources = [local.state_key_arn]
  }

  # Planning with S3 native locking writes and removes the lock file next to the state.
  statement {
    sid       = "StateLockFileOnly"
    actions   = ["s3:DeleteObject", "s3:PutObject"]
    resources = [local.state_lock_arn]
  }

  statement {
    sid       = "ReadEnvironmentIam"
    actions   = local.iam_reads
    resources = [local.env_role_arns, local.env_policy_arns]
  }

  statement {
    sid       = "ReadCiIdentityProviders"
    actions   = ["iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviderTags"]
    resources = [local.github_provider_arn, local.gitlab_provider_arn]
  }

  statement {
    sid       = "ReadEnvironmentRepository"
    actions   = ["ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy", "ecr:ListTagsForResource"]
    resources = [local.env_repository]
  }

  statement {
    sid       = "ReadEnvironmentImageBuild"
    actions   = ["codebuild:BatchGetProjects"]
    resources = [local.env_build_arns]
  }

  statement {
    sid       = "ListLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
  }

  statement {
    sid       = "ReadEnvironmentBuildLogs"
    actions   = ["logs:ListTagsForResource", "logs:ListTagsLogGroup"]
    resources = [local.env_log_groups, "${local.env_log_groups}:*"]
  }

  statement {
    sid       = "ReadEnvironmentBudget"
    actions   = ["budgets:ListTagsForResource", "budgets:ViewBudget"]
    resources = [local.env_budget_arns]
  }

  statement {
    sid       = "NeverAssumeAnotherRole"
    effect    = "Deny"
    actions   = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "plan" {
  name        = "${local.prefix}-plan"
  description = "Lets the ${var.environment} plan role read this environment's state and resources, and take its state lock."
  policy      = data.aws_iam_policy_document.plan.json
  tags        = var.tags
}

check "names_are_valid_bucket_names" {
  assert {
    condition     = !startswith(local.prefix, "xn--") && !startswith(local.prefix, "sthree-")
    error_message = "Bucket names may not start with \"xn--\" or \"sthree-\": choose another project slug."
  }
}
