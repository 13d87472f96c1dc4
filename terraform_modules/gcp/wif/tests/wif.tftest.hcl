mock_provider "google" {}

variables {
  deploy_roles   = ["roles/storage.admin"]
  environment    = "prod"
  environments   = ["dev", "staging", "prod"]
  project_id     = "example-project-prod"
  project_number = "123456789012"
  state_bucket   = "example-project-prod-tfstate"
}

run "github_pinned_to_repository_and_environment" {
  command = plan

  variables {
    github = { repository = "my-org/example-project" }
  }

  assert {
    condition     = google_iam_workload_identity_pool_provider.github[0].attribute_condition == "assertion.repository == \"my-org/example-project\""
    error_message = "The GitHub provider accepts tokens of the project's repository only."
  }

  assert {
    condition     = endswith(google_service_account_iam_member.deploy_workload_identity.member, "/workloadIdentityPools/ci/attribute.deploy/my-org/example-project@prod")
    error_message = "Only jobs of the repository's prod environment may act as prod's deploy account."
  }

  assert {
    condition     = strcontains(google_iam_workload_identity_pool_provider.github[0].attribute_mapping["attribute.deploy"], "has(assertion.environment) ? assertion.environment : '-'")
    error_message = "A job outside a CI environment (a branch job) maps to '<repo>@-', never to an environment."
  }

  assert {
    condition     = length(google_iam_workload_identity_pool_provider.gitlab) == 0
    error_message = "No GitLab provider unless asked."
  }
}

run "gitlab_needs_a_protected_environment" {
  command = plan

  variables {
    gitlab = { project_path = "data-team/ml/example-project" }
  }

  assert {
    condition     = google_iam_workload_identity_pool_provider.gitlab[0].attribute_condition == "assertion.project_path == \"data-team/ml/example-project\""
    error_message = "The GitLab provider accepts tokens of the project only."
  }

  assert {
    condition     = strcontains(google_iam_workload_identity_pool_provider.gitlab[0].attribute_mapping["attribute.deploy"], "assertion.environment_protected == 'true'")
    error_message = "On GitLab only a job in a protected environment can name that environment."
  }

  assert {
    condition     = one(google_iam_workload_identity_pool_provider.gitlab[0].oidc).issuer_uri == "https://gitlab.com"
    error_message = "GitLab.com is the default issuer."
  }
}

run "plan_account_is_read_only" {
  command = plan

  variables {
    github = { repository = "my-org/example-project" }
  }

  assert {
    condition     = toset(keys(google_project_iam_member.plan)) == toset(["roles/viewer"]) && google_storage_bucket_iam_member.plan_state.role == "roles/storage.objectViewer"
    error_message = "The plan account views the project and reads the state, nothing more."
  }
}

run "refuses_an_unknown_environment" {
  command = plan

  variables {
    environment = "qa"
    github      = { repository = "my-org/example-project" }
  }

  expect_failures = [var.environment]
}

run "refuses_a_deploy_role_that_administers_iam" {
  command = plan

  variables {
    deploy_roles = ["roles/storage.admin", "roles/iam.serviceAccountAdmin"]
    github       = { repository = "my-org/example-project" }
  }

  expect_failures = [var.deploy_roles]
}

run "refuses_the_workload_identity_pool_admin_role" {
  command = plan

  variables {
    deploy_roles = ["roles/iam.workloadIdentityPoolAdmin"]
    github       = { repository = "my-org/example-project" }
  }

  expect_failures = [var.deploy_roles]
}
