"""dayone.hcl_eval: Terraform's language, evaluated offline as far as the configuration
decides it (the GCP IAM check stands on it); what only an apply knows stays Unknown."""

from __future__ import annotations

from pathlib import Path

from dayone import hcl_eval

ROOT = """
provider "google" {
  project = "${var.prefix}-${var.environment}"
}

locals {
  roles   = concat(var.extra, ["roles/viewer"])
  by_env  = { for env in ["dev", "prod"] : env => "${var.prefix}-${env}" if env != "qa" }
  enabled = var.ci == "none" ? 0 : 1
  escaped = "$${not.interpolated}"
}

data "google_project" "this" {
  project_id = local.by_env[var.environment]
}

module "child" {
  source = "./child"
  count  = local.enabled

  number = data.google_project.this.number
  roles  = sort(setsubtract(local.roles, ["roles/editor"]))
}

resource "google_project_iam_member" "grant" {
  for_each = toset(module.child[0].roles)

  project = local.by_env[var.environment]
  role    = each.value
  member  = module.child[0].member

  dynamic "condition" {
    for_each = each.key == "roles/viewer" ? [1] : []
    content {
      expression = "hasOnly(${jsonencode(local.roles)})"
    }
  }
}
"""

CHILD = """
variable "number" {
  type = string
}

variable "roles" {
  type    = list(string)
  default = []
}

resource "google_service_account" "this" {
  account_id = "ci-deploy"
}

output "member" {
  value = google_service_account.this.member
}

output "roles" {
  value = var.roles
}

output "pool" {
  value = "projects/${var.number}/pools/ci"
}
"""


def _root(tmp_path: Path, **variables: object) -> hcl_eval.ModuleInstance:
    (tmp_path / "child").mkdir()
    (tmp_path / "main.tf").write_text(ROOT, encoding="utf-8")
    (tmp_path / "child" / "main.tf").write_text(CHILD, encoding="utf-8")
    values = {"prefix": "p", "environment": "dev", "ci": "github", "extra": [], **variables}
    return hcl_eval.root_instance(tmp_path, values)


def test_resources_expand_through_modules_for_each_and_dynamic_blocks(tmp_path: Path) -> None:
    root = _root(tmp_path, extra=["roles/editor", "roles/logging.logWriter"])
    grants = {
        r.address: r for r in root.resources() if r.block.labels[0] != "google_service_account"
    }
    assert sorted(grants) == [
        'google_project_iam_member.grant["roles/logging.logWriter"]',
        'google_project_iam_member.grant["roles/viewer"]',
    ]
    viewer = grants['google_project_iam_member.grant["roles/viewer"]']
    # The provider's default project names the service account's e-mail.
    assert viewer.get("member") == "serviceAccount:ci-deploy@p-dev.iam.gserviceaccount.com"
    assert viewer.get("project") == "p-dev"
    assert viewer.nested("condition") == [
        {"expression": 'hasOnly(["roles/editor","roles/logging.logWriter","roles/viewer"])'}
    ]
    assert (
        grants['google_project_iam_member.grant["roles/logging.logWriter"]'].nested("condition")
        == []
    )
    assert root.local("escaped") == "${not.interpolated}"


def test_what_only_an_apply_knows_stays_unknown_but_keeps_its_known_parts(tmp_path: Path) -> None:
    root = _root(tmp_path)
    pool = root.module("child")[0].get("pool")
    assert pool == "projects/<data.google_project.this.number>/pools/ci"
    number = root.resource("data", "google_project", "this").get("number")
    assert isinstance(number, hcl_eval.Unknown)


def test_count_zero_makes_no_instance(tmp_path: Path) -> None:
    root = _root(tmp_path, ci="none")
    assert root.module("child") == []
    assert isinstance(
        root.evaluate(
            root.config.resources[("google_project_iam_member", "grant")].attributes["for_each"], {}
        ),
        hcl_eval.Unknown,
    )
