mock_provider "aws" {
  # Computed attributes are unknown at plan time unless the mock fills them in now.
  override_during = plan

  mock_resource "aws_iam_openid_connect_provider" {
    defaults = {
      arn = "arn:aws:iam::111122223333:oidc-provider/created"
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

  # The provider still validates policy arguments as JSON, so the mock must return a real document.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  name   = "example"
  github = { repository = "example-org/example" }
  environments = {
    dev     = {}
    staging = {}
    prod    = {}
  }
}

run "github_trust_is_pinned" {
  command = plan

  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The GitHub provider must be token.actions.githubusercontent.com with audience sts.amazonaws.com."
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.gitlab) == 0
    error_message = "No GitLab provider without gitlab settings."
  }

  assert {
    condition = alltrue([
      for env in ["dev", "staging", "prod"] : alltrue([
        for s in data.aws_iam_policy_document.trust[env].statement :
        s.actions == toset(["sts:AssumeRoleWithWebIdentity"]) &&
        one(s.principals).identifiers == toset(["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"]) &&
        toset([for c in s.condition : "${c.test} ${c.variable} ${jsonencode(c.values)}"]) == toset([
          "StringEquals token.actions.githubusercontent.com:aud [\"sts.amazonaws.com\"]",
          "StringEquals token.actions.githubusercontent.com:sub [\"repo:example-org/example:environment:${env}\"]",
        ])
      ])
    ])
    error_message = "Each role must trust exactly aud sts.amazonaws.com and sub repo:<repo>:environment:<env>, with StringEquals."
  }

  assert {
    condition     = output.role_names == { dev = "example-dev-deploy", staging = "example-staging-deploy", prod = "example-prod-deploy" }
    error_message = "There must be one deploy role per environment, named <name>-<env>-deploy."
  }

  assert {
    condition     = length(aws_iam_role_policy_attachment.this) == 0
    error_message = "No policy (in particular not AdministratorAccess) may be attached unless asked for."
  }
}

run "reuses_existing_github_provider" {
  command = plan

  variables {
    github = {
      repository      = "example-org/example"
      create_provider = false
      provider_arn    = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    }
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0
    error_message = "No provider may be created when an existing one is reused."
  }

  assert {
    condition     = one(one(data.aws_iam_policy_document.trust["prod"].statement).principals).identifiers == toset(["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"])
    error_message = "The roles must trust the reused provider."
  }
}

run "gitlab_trust_is_pinned" {
  command = plan

  variables {
    github = null
    gitlab = { project_path = "example-group/example" }
    environments = {
      dev  = { gitlab_subject = "project_path:example-group/example:ref_type:branch:ref:*", allow_wildcard_subject = true }
      prod = { policy_arns = ["arn:aws:iam::111122223333:policy/example-deploy"] }
    }
  }

  assert {
    condition     = aws_iam_openid_connect_provider.gitlab[0].url == "https://gitlab.com" && aws_iam_openid_connect_provider.gitlab[0].client_id_list == toset(["https://gitlab.com"])
    error_message = "The GitLab provider must be gitlab.com with the configured audience."
  }

  assert {
    condition = toset([for c in one(data.aws_iam_policy_document.trust["prod"].statement).condition : "${c.test} ${c.variable} ${jsonencode(c.values)}"]) == toset([
      "StringEquals gitlab.com:aud [\"https://gitlab.com\"]",
      "StringEquals gitlab.com:sub [\"project_path:example-group/example:ref_type:branch:ref:main\"]",
    ])
    error_message = "prod must trust exactly the configured aud and the main branch of the project, with StringEquals."
  }

  assert {
    condition = contains(
      [for c in one(data.aws_iam_policy_document.trust["dev"].statement).condition : "${c.test} ${c.variable} ${jsonencode(c.values)}"],
      "StringLike gitlab.com:sub [\"project_path:example-group/example:ref_type:branch:ref:*\"]",
    )
    error_message = "A wildcard subject outside prod must be matched with StringLike."
  }

  assert {
    condition     = length(aws_iam_role_policy_attachment.this) == 1 && aws_iam_role_policy_attachment.this["prod/0"].policy_arn == "arn:aws:iam::111122223333:policy/example-deploy"
    error_message = "The given policy must be attached to the prod role only."
  }
}

run "rejects_wildcard_subject_for_prod" {
  command = plan

  variables {
    environments = {
      prod = { github_subject = "repo:example-org/example:*", allow_wildcard_subject = true }
    }
  }

  expect_failures = [var.environments]
}

run "rejects_wildcard_subject_unless_allowed" {
  command = plan

  variables {
    environments = {
      dev-plan = { github_subjects = ["repo:example-org/example:pull_request", "repo:example-org/example:*"] }
    }
  }

  expect_failures = [var.environments]
}

run "named_roles_with_several_subjects_and_own_audiences" {
  command = plan

  variables {
    github = { repository = "example-org/example" }
    gitlab = { project_path = "example-group/example", audience = "sts.amazonaws.com/plan", extra_audiences = ["sts.amazonaws.com/other"] }
    environments = {
      prod = { role_name = "example--prod-deploy", gitlab_audience = "sts.amazonaws.com/example--prod-deploy" }
      prod-plan = {
        role_name       = "example--prod-plan"
        github_subjects = ["repo:example-org/example:pull_request", "repo:example-org/example:ref:refs/heads/main"]
      }
    }
  }

  assert {
    condition     = output.role_names == { prod = "example--prod-deploy", prod-plan = "example--prod-plan" }
    error_message = "role_name must name the role."
  }

  assert {
    condition = contains(
      flatten([for s in data.aws_iam_policy_document.trust["prod-plan"].statement : [for c in s.condition : "${c.test} ${c.variable} ${jsonencode(c.values)}"]]),
      "StringEquals token.actions.githubusercontent.com:sub [\"repo:example-org/example:pull_request\",\"repo:example-org/example:ref:refs/heads/main\"]",
    )
    error_message = "Several exact subjects are matched with one StringEquals."
  }

  assert {
    condition = contains(
      flatten([for s in data.aws_iam_policy_document.trust["prod"].statement : [for c in s.condition : "${c.test} ${c.variable} ${jsonencode(c.values)}"]]),
      "StringEquals gitlab.com:aud [\"sts.amazonaws.com/example--prod-deploy\"]",
    )
    error_message = "A role's own GitLab audience must be the one it trusts."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.gitlab[0].client_id_list == toset(["sts.amazonaws.com/example--prod-deploy", "sts.amazonaws.com/other", "sts.amazonaws.com/plan"])
    error_message = "The GitLab provider must list every audience a role trusts, and the extra ones."
  }
}

run "rejects_wildcard_repository" {
  command = plan

  variables {
    github = { repository = "example-org/*" }
  }

  expect_failures = [var.github]
}

run "rejects_reuse_without_arn" {
  command = plan

  variables {
    github = { repository = "example-org/example", create_provider = false }
  }

  expect_failures = [var.github]
}

run "rejects_no_ci_system" {
  command = plan

  variables {
    github = null
  }

  expect_failures = [var.environments]
}

# IAM tag keys are case-insensitive. These runs catch, at plan time, what made CreateRole
# fail on apply ("Duplicate tag keys found"): a key that differs only by case from a
# default tag of the provider, or from another key of var.tags.
run "tag_keys_differing_by_case_from_default_tags_are_refused" {
  command = plan

  override_data {
    target = data.aws_default_tags.current
    values = { tags = { environment = "dev", project = "example" } }
  }

  variables {
    tags = { Environment = "dev" }
  }

  expect_failures = [aws_iam_role.this]
}

run "tag_keys_differing_by_case_in_tags_are_refused" {
  command = plan

  variables {
    tags = { owner = "a", Owner = "b" }
  }

  expect_failures = [var.tags]
}

run "default_tags_and_module_tags_together_are_accepted" {
  command = plan

  override_data {
    target = data.aws_default_tags.current
    values = { tags = { environment = "dev", project = "example" } }
  }

  assert {
    condition     = alltrue([for role in aws_iam_role.this : !contains([for key in keys(role.tags) : lower(key)], "environment")])
    error_message = "The module must not add an environment tag of its own: the provider's default tags carry it."
  }
}
