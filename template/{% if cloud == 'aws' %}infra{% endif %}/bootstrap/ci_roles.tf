# The identities CI assumes through OIDC, and what they may do. An administrator applies
# them here, with the state bucket, before CI exists: a CI apply can never make the roles it
# runs as, and no CI identity may create or change any role (docs/decisions/0007). No
# long-lived keys exist: a job proves who it is with its OIDC token, and AWS checks `aud` and
# `sub` (the only token claims an IAM trust policy can test, besides `amr`).
#
#   <project>--<env>-deploy   applies this environment's stack (infra/envs/<env>) and builds
#                             its image. Trusted only by this environment's deploy jobs.
#   <project>--<env>-plan     reads this environment's state and resource settings, writes
#                             only its state lock file. Trusted by pull/merge requests and main.
#   <project>--<env>-trainer  trains on this environment's data and starts its SageMaker
#                             training jobs. Trusted only by the training job's subject.
#
# The subjects (the `sub` claim of each job's token):
#   GitHub   repo:<repo>:environment:<env> (deploy), repo:<repo>:environment:train-<env>
#            (training), repo:<repo>:pull_request and repo:<repo>:ref:refs/heads/main (plan).
#   GitLab   the project's ID tokens carry project_path, ref_type, ref, environment_protected
#            and deployment_tier in `sub` (ci_id_token_sub_claim_components, set once per
#            project: docs/decisions/0002-ci-cd.md), so main's jobs of the protected environment
#            of tier production, staging or development are told apart; each role also trusts
#            only its own `aud`.

locals {
  prefix     = module.names.prefix
  arns       = module.names.arns
  role_names = module.names.role_names
  roles      = local.arns.role_of

  github_provider_arn = local.arns.oidc_provider_of["token.actions.githubusercontent.com"]
  gitlab_provider_arn = local.arns.oidc_provider_of["gitlab.com"]

  # GitLab: main's pipeline, then the job's environment. Every environment after the first
  # (dev) is protected (with approvers); the first is not, so that no job of a protected
  # environment is ever in its reach, and a job that names a tier in an unprotected
  # environment carries environment_protected:false. Training runs in the unprotected
  # environments train-<env>, tier other, so that schedules run without an approval.
  gitlab_main = "project_path:${var.repository}:ref_type:branch:ref:main"
  # The tier of each environment in deploy order: the first is development, the last
  # production, any between staging (the GitLab pipeline renders the same rule).
  first_environment = var.environments[0]
  last_environment  = var.environments[length(var.environments) - 1]
  deployment_tier = (
    var.environment == local.first_environment ? "development" :
    var.environment == local.last_environment ? "production" : "staging"
  )
  gitlab_deploy_subject = format(
    "%s:environment_protected:%s:deployment_tier:%s",
    local.gitlab_main, var.environment != local.first_environment, local.deployment_tier,
  )
  gitlab_trainer_subject = "${local.gitlab_main}:environment_protected:false:deployment_tier:other"
  gitlab_audience_of = {
    deploy  = "sts.amazonaws.com/${local.role_names.deploy}"
    trainer = "sts.amazonaws.com/${local.role_names.trainer}"
    plan    = "sts.amazonaws.com/${var.project}--plan"
  }
  # A provider is shared by the environments of one account: it lists every audience.
  gitlab_audiences_all = concat(
    flatten([for env in var.environments : ["sts.amazonaws.com/${var.project}--${env}-deploy", "sts.amazonaws.com/${var.project}--${env}-trainer"]]),
    [local.gitlab_audience_of.plan],
  )

  ci_roles = {
    (var.environment) = {
      role_name       = local.role_names.deploy
      gitlab_audience = local.gitlab_audience_of.deploy
      gitlab_subjects = [local.gitlab_deploy_subject]
      policy_arns     = [aws_iam_policy.deploy.arn]
    }
    "${var.environment}-plan" = {
      role_name       = local.role_names.plan
      github_subjects = ["repo:${var.repository}:pull_request", "repo:${var.repository}:ref:refs/heads/main"]
      gitlab_audience = local.gitlab_audience_of.plan
      # Merge request pipelines carry their source branch as `ref`: any branch of this
      # project (forks are other projects), never a tag. The role only reads (below).
      gitlab_subjects        = ["project_path:${var.repository}:ref_type:branch:ref:*"]
      allow_wildcard_subject = true
      policy_arns            = [aws_iam_policy.plan.arn]
    }
    "${var.environment}-trainer" = {
      role_name       = local.role_names.trainer
      github_subjects = ["repo:${var.repository}:environment:train-${var.environment}"]
      gitlab_audience = local.gitlab_audience_of.trainer
      gitlab_subjects = [local.gitlab_trainer_subject]
      policy_arns     = [aws_iam_policy.trainer.arn]
    }
  }

  state_lock = "${local.arns.state_object}.tflock"

  # The tag every resource of the environment carries (envs/*/main.tf, default_tags): what
  # scopes calls that IAM cannot scope to a name (creating an ECS cluster or a security group,
  # registering a task definition).
  cost_scope      = "${var.project}/${var.environment}"
  security_groups = "arn:${module.names.partition}:ec2:${module.names.region}:${module.names.account_id}:security-group/*"
  # EC2's and ECS's reads of the network and the account's settings take no resource in IAM.
  network_reads = [
    "ec2:DescribeAccountAttributes",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeVpcs",
  ]

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
    audience        = local.gitlab_audience_of.plan
    create_provider = var.create_oidc_provider
    extra_audiences = local.gitlab_audiences_all
    project_path    = var.repository
    provider_arn    = var.create_oidc_provider ? null : local.gitlab_provider_arn
  }
  name = var.project
  tags = var.tags
}

# ---- Deploy role: this environment's stack -------------------------------------------------

# The stack sets its own data buckets' policies (TLS only; prod's also name dev's readers
# when environments have their own accounts) and public access blocks; the state bucket's
# are denied.
#iam-scan:skip=ResourceExposure:s3:PutBucketPolicy:the stack manages its own data buckets' TLS-only policies; the state bucket is denied
#iam-scan:skip=ResourceExposure:s3:DeleteBucketPolicy:removing a data bucket's policy when the stack destroys it; the state bucket is denied
#iam-scan:skip=ResourceExposure:s3:PutBucketPublicAccessBlock:the stack sets every data bucket's public access block to block all; the state bucket is denied
#iam-scan:skip=DataExfiltration:s3:GetObject:reads this environment's state object and its lock file, no other object
data "aws_iam_policy_document" "deploy" {
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
    resources = [local.arns.buckets]
  }

  # Its state and the state's lock file, nothing else of the state bucket.
  statement {
    sid       = "State"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.arns.state_object]
  }

  statement {
    sid       = "StateLock"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    resources = [local.state_lock]
  }

  # The image build's source: the commit's archive, uploaded by the deploy job.
  statement {
    sid       = "ImageSource"
    actions   = ["s3:PutObject"]
    resources = ["${local.arns.bucket_of["artifacts"]}/image-source/*"]
  }

  # Emptying the data buckets when the stack is destroyed, where the answers allow it
  # (force_destroy: never in prod, whose deploy role cannot delete a data object).
  dynamic "statement" {
    for_each = var.force_destroy ? [1] : []

    content {
      sid       = "EmptyDataBucketsOnDestroy"
      actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
      resources = [for arn in values(local.arns.bucket_of) : "${arn}/*"]
    }
  }

  # The state bucket belongs to the bootstrap: its settings and its history stay as made.
  statement {
    sid    = "NeverWeakenTheStateBucket"
    effect = "Deny"
    actions = [
      "s3:DeleteBucket",
      "s3:DeleteBucketPolicy",
      "s3:DeleteObjectVersion",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketTagging",
      "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
    ]
    resources = [local.arns.state_bucket, "${local.arns.state_bucket}/*"]
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
    resources = [local.arns.repository]
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
    resources = [local.arns.image_build]
  }

  # The project runs as the image build's role, made here: only that role, only to CodeBuild.
  statement {
    sid       = "PassBuildRoleToCodeBuild"
    actions   = ["iam:PassRole"]
    resources = [local.roles.image_build]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["codebuild.amazonaws.com"]
    }
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
    resources = [
      local.arns.image_build_logs, "${local.arns.image_build_logs}:*",
      local.arns.slice_logs, "${local.arns.slice_logs}:*",
    ]
  }

  # DescribeLogGroups is a list call: IAM scopes it to the account's log groups only.
  statement {
    sid       = "ListLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = [local.arns.log_groups]
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
    resources = [local.arns.budgets]
  }

  # ---- The slice cluster (modules/slice_cluster) and its network ----

  # ECS creates clusters on "*" only: a new one must carry this environment's cost-scope tag,
  # and every other call names the environment's one cluster.
  statement {
    sid       = "CreateSliceCluster"
    actions   = ["ecs:CreateCluster"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/cost-scope"
      values   = [local.cost_scope]
    }
  }

  statement {
    sid = "EnvironmentSliceCluster"
    actions = [
      "ecs:DeleteCluster",
      "ecs:DescribeClusters",
      "ecs:ListTagsForResource",
      "ecs:PutClusterCapacityProviders",
      "ecs:TagResource",
      "ecs:UntagResource",
      "ecs:UpdateCluster",
      "ecs:UpdateClusterSettings",
    ]
    resources = [local.arns.slice_cluster]
  }

  statement {
    sid       = "ReadNetwork"
    actions   = local.network_reads
    resources = ["*"]
  }

  # A security group is named by a random ID: it is this environment's by its cost-scope
  # tag, given when it is made (CreateSecurityGroup is also authorized on the VPC).
  statement {
    sid       = "CreateTaggedSecurityGroup"
    actions   = ["ec2:CreateSecurityGroup"]
    resources = [local.security_groups]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/cost-scope"
      values   = [local.cost_scope]
    }
  }

  statement {
    sid       = "SecurityGroupInAVpc"
    actions   = ["ec2:CreateSecurityGroup"]
    resources = ["arn:${module.names.partition}:ec2:${module.names.region}:${module.names.account_id}:vpc/*"]
  }

  statement {
    sid       = "TagSecurityGroupOnCreate"
    actions   = ["ec2:CreateTags"]
    resources = [local.security_groups]

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["CreateSecurityGroup"]
    }
  }

  statement {
    sid = "EnvironmentSecurityGroups"
    actions = [
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:DeleteSecurityGroup",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
    ]
    resources = [local.security_groups]

    condition {
      test     = "StringEquals"
      variable = "ec2:ResourceTag/cost-scope"
      values   = [local.cost_scope]
    }
  }

  # Same-account roles can be assumed on their trust policy alone: no role becomes a way
  # out, whatever its trust says, because this one may assume none.
  statement {
    sid       = "NeverAssumeAnotherRole"
    effect    = "Deny"
    actions   = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "deploy" {
  name        = "${local.prefix}-deploy"
  description = "Lets the ${var.environment} deploy role apply this environment's stack and build its image."
  policy      = data.aws_iam_policy_document.deploy.json
  tags        = var.tags
}

# ---- Plan role: read this environment, take its lock ---------------------------------------

#iam-scan:skip=DataExfiltration:s3:GetObject:reads this environment's state object only, which a plan compares with the code
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
    resources = [local.arns.buckets]
  }

  # HeadBucket, which a refresh of every bucket calls, is authorized as s3:ListBucket: without
  # it the provider takes the data buckets for deleted and plans to create them again. It
  # lists object names, never reads an object.
  statement {
    sid       = "ListStateAndEnvironmentBuckets"
    actions   = ["s3:ListBucket"]
    resources = [local.arns.state_bucket, local.arns.buckets]
  }

  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject"]
    resources = [local.arns.state_object]
  }

  # Planning with S3 native locking writes and removes the lock file next to the state.
  statement {
    sid       = "StateLockFileOnly"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    resources = [local.state_lock]
  }

  statement {
    sid       = "ReadEnvironmentRepository"
    actions   = ["ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy", "ecr:ListTagsForResource"]
    resources = [local.arns.repository]
  }

  statement {
    sid       = "ReadEnvironmentImageBuild"
    actions   = ["codebuild:BatchGetProjects"]
    resources = [local.arns.image_build]
  }

  statement {
    sid       = "ListLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = [local.arns.log_groups]
  }

  statement {
    sid       = "ReadEnvironmentBuildLogs"
    actions   = ["logs:ListTagsForResource", "logs:ListTagsLogGroup"]
    resources = [local.arns.image_build_logs, "${local.arns.image_build_logs}:*"]
  }

  statement {
    sid       = "ReadEnvironmentBudget"
    actions   = ["budgets:ListTagsForResource", "budgets:ViewBudget"]
    resources = [local.arns.budgets]
  }

  statement {
    sid       = "ReadEnvironmentSliceCluster"
    actions   = ["ecs:DescribeClusters", "ecs:ListTagsForResource"]
    resources = [local.arns.slice_cluster]
  }

  statement {
    sid       = "ReadEnvironmentSliceLogs"
    actions   = ["logs:ListTagsForResource", "logs:ListTagsLogGroup"]
    resources = [local.arns.slice_logs, "${local.arns.slice_logs}:*"]
  }

  statement {
    sid       = "ReadNetwork"
    actions   = local.network_reads
    resources = ["*"]
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
  description = "Lets the ${var.environment} plan role read this environment's state and resource settings, and take its state lock."
  policy      = data.aws_iam_policy_document.plan.json
  tags        = var.tags
}

# ---- Trainer: CI's training -----------------------------------------------------------------

# `train --register` in CI reads the environment's raw data and its applied state (the run
# records which infrastructure it ran on), writes its splits and artifacts; `train --remote`
# starts a SageMaker training job of the environment, as the training role.
#iam-scan:skip=DataExfiltration:s3:GetObject:training reads its environment's data and writes its splits and artifacts; it is what training is for
data "aws_iam_policy_document" "trainer" {
  statement {
    sid       = "ListTrainingBuckets"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket"]
    resources = [for purpose in ["artifacts", "processed", "raw"] : local.arns.bucket_of[purpose]]
  }

  statement {
    sid       = "ReadTrainingData"
    actions   = ["s3:GetObject"]
    resources = [for purpose in ["artifacts", "processed", "raw"] : "${local.arns.bucket_of[purpose]}/*"]
  }

  statement {
    sid       = "WriteSplitsAndArtifacts"
    actions   = ["s3:PutObject"]
    resources = [for purpose in ["artifacts", "processed"] : "${local.arns.bucket_of[purpose]}/*"]
  }

  statement {
    sid       = "ReadAppliedState"
    actions   = ["s3:GetObject"]
    resources = [local.arns.state_object]
  }

  # `train --remote` finds the commit's image by its tag.
  statement {
    sid       = "FindTheImage"
    actions   = ["ecr:DescribeImages"]
    resources = [local.arns.repository]
  }

  statement {
    sid       = "EnvironmentTrainingJobs"
    actions   = ["sagemaker:AddTags", "sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"]
    resources = [local.arns.training_jobs]
  }

  # A training job runs as the environment's training role: only that role, only to SageMaker.
  statement {
    sid       = "PassTrainingRoleToSageMaker"
    actions   = ["iam:PassRole"]
    resources = [local.roles.training]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }

  # `train --slices --remote` starts a Dask cluster on the environment's slice cluster
  # (dask-cloudprovider's FargateCluster): it registers its two task definitions, tagged with
  # the environment's cost-scope (IAM takes no resource for RegisterTaskDefinition and
  # DeregisterTaskDefinition), runs them on that cluster only, watches and stops its tasks.
  statement {
    sid       = "RegisterSliceTaskDefinitions"
    actions   = ["ecs:RegisterTaskDefinition"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/cost-scope"
      values   = [local.cost_scope]
    }
  }

  statement {
    sid       = "DeregisterTaskDefinitionsAndReadSettings"
    actions   = ["ecs:DeregisterTaskDefinition", "ecs:ListAccountSettings"]
    resources = ["*"]
  }

  statement {
    sid       = "RunSliceTasksOnTheSliceCluster"
    actions   = ["ecs:RunTask"]
    resources = [local.arns.slice_task_defs]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [local.arns.slice_cluster]
    }
  }

  statement {
    sid       = "WatchAndStopSliceTasks"
    actions   = ["ecs:DescribeTasks", "ecs:StopTask"]
    resources = [local.arns.slice_tasks]
  }

  statement {
    sid       = "DescribeSliceCluster"
    actions   = ["ecs:DescribeClusters"]
    resources = [local.arns.slice_cluster]
  }

  # The scheduler's address is its task's network interface's private IP: FargateCluster
  # reads it once the task runs (EC2's Describe calls take no resource in IAM).
  statement {
    sid       = "ReadSliceTaskNetworkInterfaces"
    actions   = ["ec2:DescribeNetworkInterfaces"]
    resources = ["*"]
  }

  statement {
    sid       = "TagSliceTasksOnCreate"
    actions   = ["ecs:TagResource"]
    resources = [local.arns.slice_task_defs, local.arns.slice_tasks]

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RegisterTaskDefinition", "RunTask"]
    }
  }

  # The tasks run as the slice worker role and are started with the slice execution role:
  # only those two, only to ECS tasks.
  statement {
    sid       = "PassSliceRolesToEcsTasks"
    actions   = ["iam:PassRole"]
    resources = [local.roles.slice_worker, local.roles.slice_execution]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid       = "NeverAssumeAnotherRole"
    effect    = "Deny"
    actions   = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "trainer" {
  name        = "${local.prefix}-trainer"
  description = "Lets CI's ${var.environment} training read and write its data and start its SageMaker training jobs."
  policy      = data.aws_iam_policy_document.trainer.json
  tags        = var.tags
}
