mock_provider "aws" {
  # Computed attributes are unknown at plan time unless the mock fills them in now.
  override_during = plan

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/codebuild/example-image"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111122223333:role/example-image-codebuild"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }

  # The provider still validates policy arguments as JSON, so the mock must return a real document.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  name               = "example-image"
  ecr_repository_arn = "arn:aws:ecr:eu-west-1:111122223333:repository/example"
  ecr_repository_url = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/example"
}

run "docker_build_project" {
  command = plan

  assert {
    condition = (
      aws_codebuild_project.this.environment[0].type == "LINUX_CONTAINER" &&
      aws_codebuild_project.this.environment[0].privileged_mode == true
    )
    error_message = "Docker builds need a privileged Linux container."
  }

  assert {
    condition     = contains([for v in aws_codebuild_project.this.environment[0].environment_variable : "${v.name}=${v.value}"], "REPOSITORY_URL=${var.ecr_repository_url}")
    error_message = "The build must receive the repository URL."
  }

  assert {
    condition = alltrue([
      for fragment in ["get-login-password", "CODEBUILD_RESOLVED_SOURCE_VERSION", "docker build", "docker push \"$REPOSITORY_URL:$IMAGE_TAG\""] :
      strcontains(aws_codebuild_project.this.source[0].buildspec, fragment)
    ])
    error_message = "The buildspec must log in to ECR, build, tag with the commit and push."
  }

  assert {
    condition     = aws_codebuild_project.this.source[0].type == "NO_SOURCE"
    error_message = "Without a source bucket the project has no source."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 30 && aws_codebuild_project.this.logs_config[0].cloudwatch_logs[0].group_name == "/aws/codebuild/example-image"
    error_message = "Builds must log to their own log group with a retention."
  }
}

run "least_privilege" {
  command = plan

  # The role's submodule, as an administrator's bootstrap applies it on its own.
  module {
    source = "./modules/service_role"
  }

  variables {
    name              = "example-image-codebuild"
    log_group_arn     = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/codebuild/example-image"
    source_bucket_arn = "arn:aws:s3:::example-source"
  }

  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.this.statement : [for a in s.actions : !strcontains(a, "*")]
    ]))
    error_message = "No IAM action may contain a wildcard."
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
      for s in data.aws_iam_policy_document.this.statement : tolist(s.resources) if contains(s.actions, "ecr:PutImage")
    ])) == toset([var.ecr_repository_arn])
    error_message = "Pushes must be limited to the one repository."
  }

  assert {
    condition = toset(flatten([
      for s in data.aws_iam_policy_document.this.statement : tolist(s.resources) if anytrue([for a in s.actions : startswith(a, "logs:")])
      ])) == toset([
      "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/codebuild/example-image",
      "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/codebuild/example-image:*",
    ])
    error_message = "Log writes must be limited to the build's log group."
  }

  assert {
    condition = toset(flatten([
      for s in data.aws_iam_policy_document.this.statement : tolist(s.actions) if anytrue([for a in s.actions : startswith(a, "s3:")])
    ])) == toset(["s3:GetBucketAcl", "s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion"])
    error_message = "The source bucket must be read-only."
  }
}

run "reads_its_source_archive" {
  command = plan

  variables {
    source_bucket_arn = "arn:aws:s3:::example-source"
  }

  assert {
    condition     = aws_codebuild_project.this.source[0].type == "S3" && aws_codebuild_project.this.source[0].location == "example-source/source.zip"
    error_message = "With a source bucket the project reads the source archive from it."
  }
}

run "takes_a_role_made_apart" {
  command = plan

  variables {
    service_role_arn = "arn:aws:iam::111122223333:role/made-by-an-administrator"
  }

  assert {
    condition     = length(module.service_role) == 0 && aws_codebuild_project.this.service_role == "arn:aws:iam::111122223333:role/made-by-an-administrator"
    error_message = "With service_role_arn the module makes no role and the project uses the one given."
  }
}

run "rejects_a_service_role_that_is_not_a_role" {
  command = plan

  variables {
    service_role_arn = "arn:aws:iam::111122223333:policy/not-a-role"
  }

  expect_failures = [var.service_role_arn]
}

run "rejects_bad_log_retention" {
  command = plan

  variables {
    log_retention_days = 10
  }

  expect_failures = [var.log_retention_days]
}

run "rejects_bad_repository_url" {
  command = plan

  variables {
    ecr_repository_url = "docker.io/library/example"
  }

  expect_failures = [var.ecr_repository_url]
}

run "role_trust_pins_this_account_and_takes_a_boundary" {
  command = plan

  module {
    source = "./modules/service_role"
  }

  variables {
    name                 = "example-image-codebuild"
    log_group_arn        = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/codebuild/example-image"
    permissions_boundary = "arn:aws:iam::111122223333:policy/example-boundary"
  }

  assert {
    condition = toset([for c in one(data.aws_iam_policy_document.assume.statement).condition : "${c.test} ${c.variable} ${jsonencode(c.values)}"]) == toset([
      "StringEquals aws:SourceAccount [\"111122223333\"]",
    ])
    error_message = "Only CodeBuild acting for this account may assume the build role (aws:SourceAccount)."
  }

  assert {
    condition     = aws_iam_role.this.permissions_boundary == "arn:aws:iam::111122223333:policy/example-boundary"
    error_message = "The build role must carry the given permissions boundary."
  }
}
