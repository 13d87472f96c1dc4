# Keyless CI: jobs exchange their OIDC token for short-lived credentials of a service account.
# The guarantees match the AWS CI roles:
#   - the providers accept tokens of ONE repository only (attribute_condition);
#   - the deploy account trusts `attribute.deploy`, which is "<repository>@<environment>" only
#     for a job running in that CI environment (GitLab: in a protected environment), and
#     "<repository>@-" for every other job, so a branch job cannot act as prod;
#   - the plan account, which every job of the repository may use, is read-only;
#   - neither account may administer IAM (var.deploy_roles refuses those roles): this module
#     is applied by a person (infra/bootstrap), and what CI can reach cannot change who CI
#     is, what it may do, or which repository the pool trusts (dayone's
#     docs/decisions/0006-gcp-ci-identities-in-bootstrap.md).
locals {
  repository     = var.github != null ? var.github.repository : var.gitlab != null ? var.gitlab.project_path : ""
  principal_root = "principalSet://iam.googleapis.com/projects/${var.project_number}/locations/global/workloadIdentityPools/${var.pool_id}"
  deployer       = "${local.principal_root}/attribute.deploy/${local.repository}@${var.environment}"
  planner        = "${local.principal_root}/attribute.repository/${local.repository}"
}

resource "google_iam_workload_identity_pool" "this" {
  project                   = var.project_id
  workload_identity_pool_id = var.pool_id
  display_name              = "CI of ${local.repository}"
}

resource "google_iam_workload_identity_pool_provider" "github" {
  #checkov:skip=CKV_GCP_125:the condition pins the repository claim, not one exact sub (plan jobs of pull requests must pass); the deploy account also requires the environment
  count = var.github == null ? 0 : 1

  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.this.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  display_name                       = "GitHub Actions"
  attribute_condition                = "assertion.repository == ${jsonencode(var.github.repository)}"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
    "attribute.deploy"     = "assertion.repository + '@' + (has(assertion.environment) ? assertion.environment : '-')"
  }

  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_iam_workload_identity_pool_provider" "gitlab" {
  count = var.gitlab == null ? 0 : 1

  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.this.workload_identity_pool_id
  workload_identity_pool_provider_id = "gitlab"
  display_name                       = "GitLab CI"
  attribute_condition                = "assertion.project_path == ${jsonencode(var.gitlab.project_path)}"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.project_path"
    # GitLab's subject is the same for every job of a main pipeline: only a job in a
    # protected environment names that environment here.
    "attribute.deploy" = "assertion.project_path + '@' + (has(assertion.environment) && assertion.environment_protected == 'true' ? assertion.environment : '-')"
  }

  oidc {
    issuer_uri = var.gitlab.host
  }
}

resource "google_service_account" "deploy" {
  project      = var.project_id
  account_id   = "ci-deploy"
  display_name = "CI: applies the ${var.environment} environment"
}

resource "google_service_account" "plan" {
  project      = var.project_id
  account_id   = "ci-plan"
  display_name = "CI: plans the ${var.environment} environment (read-only)"
}

resource "google_service_account_iam_member" "deploy_workload_identity" {
  service_account_id = google_service_account.deploy.name
  role               = "roles/iam.workloadIdentityUser"
  member             = local.deployer
}

resource "google_service_account_iam_member" "plan_workload_identity" {
  service_account_id = google_service_account.plan.name
  role               = "roles/iam.workloadIdentityUser"
  member             = local.planner
}

resource "google_project_iam_member" "deploy" {
  #checkov:skip=CKV_GCP_49:cloudbuild.builds.editor submits builds; the deploy account may act only as image-build and training (bindings on those accounts, in infra/bootstrap) and administers no service account
  for_each = toset(var.deploy_roles)

  project = var.project_id
  role    = each.value
  member  = google_service_account.deploy.member
}

resource "google_project_iam_member" "plan" {
  #checkov:skip=CKV_GCP_117:plan reads every resource the stack manages; roles/viewer is read-only, which the account every job of the repository may use must be
  for_each = toset(var.plan_roles)

  project = var.project_id
  role    = each.value
  member  = google_service_account.plan.member
}

resource "google_storage_bucket_iam_member" "plan_state" {
  bucket = var.state_bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.plan.member
}

resource "google_storage_bucket_iam_member" "deploy_state" {
  bucket = var.state_bucket
  role   = "roles/storage.objectUser"
  member = google_service_account.deploy.member
}
