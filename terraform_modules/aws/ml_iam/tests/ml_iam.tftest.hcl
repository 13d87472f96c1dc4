mock_provider "aws" {
  # The provider still validates policy arguments as JSON, so the mock must return a real document.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }
}

variables {
  name               = "example-dev-training"
  bucket_arns        = ["arn:aws:s3:::example-dev-raw", "arn:aws:s3:::example-dev-models"]
  ecr_repository_arn = "arn:aws:ecr:eu-west-1:111122223333:repository/example"
}

run "least_privilege" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.this.statement : [for a in s.actions : !strcontains(a, "*")]
    ]))
    error_message = "No IAM action may contain a wildcard."
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.this.statement : s.effect == "Allow" && s.not_actions == null && s.not_resources == null])
    error_message = "Statements must be plain Allow lists, without NotAction or NotResource."
  }

  assert {
    condition = toset(flatten([
      for s in data.aws_iam_policy_document.this.statement : s.resources if anytrue([for a in s.actions : startswith(a, "s3:")])
    ])) == toset(concat(var.bucket_arns, [for arn in var.bucket_arns : "${arn}/*"]))
    error_message = "S3 permissions must cover exactly the given buckets and their objects."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.this.statement :
      !contains(s.resources, "*") || s.actions == toset(["ecr:GetAuthorizationToken"])
    ])
    error_message = "Only ecr:GetAuthorizationToken may use Resource \"*\"."
  }

  assert {
    condition = toset(flatten([
      for s in data.aws_iam_policy_document.this.statement : s.resources if anytrue([for a in s.actions : startswith(a, "ecr:") && a != "ecr:GetAuthorizationToken"])
    ])) == toset([var.ecr_repository_arn])
    error_message = "Image pulls must be limited to the given repository."
  }

  assert {
    condition = toset(flatten([
      for s in data.aws_iam_policy_document.this.statement : s.resources if anytrue([for a in s.actions : startswith(a, "logs:")])
      ])) == toset([
      "arn:aws:logs:eu-west-1:111122223333:log-group:/ml/example-dev-training*",
      "arn:aws:logs:eu-west-1:111122223333:log-group:/ml/example-dev-training*:log-stream:*",
    ])
    error_message = "Log writes must be limited to the log group prefix."
  }

  assert {
    condition     = !anytrue([for s in data.aws_iam_policy_document.this.statement : contains(s.actions, "s3:DeleteObject")])
    error_message = "The training role must not delete objects."
  }

  assert {
    condition     = one(one(data.aws_iam_policy_document.assume.statement).principals).identifiers == toset(["ecs-tasks.amazonaws.com", "sagemaker.amazonaws.com"])
    error_message = "The role must be assumable by exactly the trusted services."
  }
}

run "sagemaker_training_logs" {
  command = plan

  variables {
    sagemaker_job_name_prefix = "example--dev-train-"
  }

  # What a SageMaker training job needs of its role (besides data): pull the project's image
  # and write its logs, and no more.
  assert {
    condition = toset(flatten([
      for s in data.aws_iam_policy_document.this.statement : s.actions if anytrue([for a in s.actions : startswith(a, "ecr:")])
    ])) == toset(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer"])
    error_message = "The role must be able to pull images (log in, check layers, get the image and its layers), and do nothing else in ECR."
  }

  assert {
    condition = alltrue([for action in ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams"] : anytrue([
      for s in data.aws_iam_policy_document.this.statement : contains(s.actions, action) && contains(s.resources, "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/TrainingJobs:*")
    ])])
    error_message = "A training job must be able to create and find its log stream in /aws/sagemaker/TrainingJobs."
  }

  # PutLogEvents is authorized on the stream: only streams of this role's jobs.
  assert {
    condition = toset(flatten([
      for s in data.aws_iam_policy_document.this.statement : s.resources if contains(s.actions, "logs:PutLogEvents")
      ])) == toset([
      "arn:aws:logs:eu-west-1:111122223333:log-group:/ml/example-dev-training*:log-stream:*",
      "arn:aws:logs:eu-west-1:111122223333:log-group:/ml/example-dev-training*",
      "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/TrainingJobs:log-stream:example--dev-train-*",
    ])
    error_message = "Log events may be written only to the role's own log groups and its own training jobs' streams."
  }

  assert {
    condition = toset(flatten([
      for s in data.aws_iam_policy_document.this.statement : s.resources if anytrue([for a in s.actions : startswith(a, "logs:")])
      ])) == toset([
      "arn:aws:logs:eu-west-1:111122223333:log-group:/ml/example-dev-training*",
      "arn:aws:logs:eu-west-1:111122223333:log-group:/ml/example-dev-training*:log-stream:*",
      "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/TrainingJobs",
      "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/TrainingJobs:*",
      "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/TrainingJobs:log-stream:example--dev-train-*",
    ])
    error_message = "Logs access must be limited to the role's log groups and the SageMaker training log group."
  }
}

run "no_sagemaker_logs_without_a_job_prefix" {
  command = plan

  assert {
    condition     = !anytrue([for s in data.aws_iam_policy_document.this.statement : anytrue([for r in s.resources : strcontains(r, "/aws/sagemaker/")])])
    error_message = "Without sagemaker_job_name_prefix the role must not reach SageMaker's log group."
  }
}

run "rejects_wildcard_job_prefix" {
  command = plan

  variables {
    sagemaker_job_name_prefix = "example-*"
  }

  expect_failures = [var.sagemaker_job_name_prefix]
}

run "kms_keys" {
  command = plan

  variables {
    kms_key_arns = ["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
  }

  assert {
    condition     = anytrue([for s in data.aws_iam_policy_document.this.statement : s.resources == toset(var.kms_key_arns) && s.actions == toset(["kms:Decrypt", "kms:GenerateDataKey"])])
    error_message = "The role must be able to use exactly the given KMS keys."
  }
}

run "rejects_object_wildcard_bucket_arn" {
  command = plan

  variables {
    bucket_arns = ["arn:aws:s3:::example-dev-raw/*"]
  }

  expect_failures = [var.bucket_arns]
}

run "rejects_no_buckets" {
  command = plan

  variables {
    bucket_arns = []
  }

  expect_failures = [var.bucket_arns]
}

run "rejects_bad_ecr_arn" {
  command = plan

  variables {
    ecr_repository_arn = "arn:aws:ecr:eu-west-1:111122223333:repository/*"
  }

  expect_failures = [var.ecr_repository_arn]
}

run "rejects_non_aws_principal" {
  command = plan

  variables {
    trusted_services = ["evil.example.com"]
  }

  expect_failures = [var.trusted_services]
}
