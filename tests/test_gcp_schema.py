"""The offline stand-in for `terraform validate` of GCP Terraform (dayone.gcp_schema): it
passes the rendered GCP infra/, fails each planted mistake by name, its committed schema is
the one the pinned PyPI package ships, and the Terraform's version constraints admit it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from dayone.checks import CheckContext, CheckSkipped
from dayone.checks.gcp_schema import _constraint_admits, check_tree, gcp_terraform_validate_and_test
from dayone.errors import DayoneError
from dayone.terraform import AWS_PROVIDER
from tests.support import gcp_provider_schema
from tests.support.answer_checks import try_render
from tests.support.project import answer_set


@pytest.fixture(scope="module")
def gcp_infra(tmp_path_factory: pytest.TempPathFactory, fast_template: str) -> Path:
    """infra/ of the gcp answer set, rendered once (no lock, no commit: only its files)."""
    dest = tmp_path_factory.mktemp("gcp-schema") / "project"
    assert try_render(fast_template, dest, answer_set("gcp")) is None
    return dest / "infra"


@pytest.fixture
def infra_copy(gcp_infra: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(gcp_infra, tmp_path / "infra"))


def _problems(root: Path) -> list[str]:
    return [str(p) for p in check_tree(root).problems]


def test_rendered_gcp_infra_passes(gcp_infra: Path) -> None:
    report = check_tree(gcp_infra)
    assert report.problems == []
    # Every google resource and data source declared anywhere was checked, none skipped.
    declared = sum(
        len(re.findall(r'(?m)^(resource|data) "google_', p.read_text(encoding="utf-8")))
        for p in gcp_infra.rglob("*.tf")
    )
    assert report.checked == declared > 30
    # ...and every module's terraform test file was read too (they cannot run here).
    tests = list(gcp_infra.rglob("tests/*.tftest.hcl"))
    modules = [d for d in (gcp_infra / "modules").iterdir() if d.is_dir()]
    assert len(tests) == len(modules) >= 6
    assert report.files == len(list(gcp_infra.rglob("*.tf"))) + len(tests)
    assert report.provider_version == "8.7.0"


def _plant(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


PLANTED = [
    pytest.param(
        "modules/data_lake/main.tf",
        "  uniform_bucket_level_access = true\n",
        "  uniform_bucket_level_acess = true\n",
        "google_storage_bucket.this: unsupported argument 'uniform_bucket_level_acess' "
        "(did you mean 'uniform_bucket_level_access'?)",
        id="misspelled-argument",
    ),
    pytest.param(
        "modules/wif/main.tf",
        '  account_id   = "ci-plan"\n',
        "",
        "google_service_account.plan: missing required argument 'account_id'",
        id="missing-required-argument",
    ),
    pytest.param(
        "modules/state_backend/main.tf",
        "  versioning {\n",
        "  versions {\n",
        "google_storage_bucket.this: unsupported block 'versions' (did you mean 'versioning'?)",
        id="wrong-block-name",
    ),
    pytest.param(
        "modules/artifact_registry/main.tf",
        "    immutable_tags = true\n",
        '    immutable_tags = "yes"\n',
        "google_artifact_registry_repository.this.docker_config: argument 'immutable_tags' "
        'needs a bool, got the string "yes"',
        id="wrong-literal-type",
    ),
    pytest.param(
        "modules/wif/main.tf",
        "  oidc {\n    issuer_uri = var.gitlab.host\n  }\n",
        "  oidc = {\n    issuer_uri = var.gitlab.host\n  }\n",
        "google_iam_workload_identity_pool_provider.gitlab: 'oidc' is a block",
        id="block-written-as-argument",
    ),
    pytest.param(
        "bootstrap/main.tf",
        'resource "google_project_service" "this"',
        'resource "google_project_services" "this"',
        "unsupported resource type 'google_project_services' (did you mean "
        "'google_project_service'?)",
        id="unknown-resource-type",
    ),
    pytest.param(
        "bootstrap/main.tf",
        '  developer_reader = var.environment == "dev"\n',
        '  developer_readers = var.environment == "dev"\n',
        "module.service_accounts: unsupported argument 'developer_readers'",
        id="module-call-unknown-argument",
    ),
    pytest.param(
        "modules/service_accounts/tests/service_accounts.tftest.hcl",
        "    job_submitters = [",
        "    job_submitter = [",
        "run.listed_submitters_may_run_jobs_and_builds: unsupported variable 'job_submitter' "
        "(did you mean 'job_submitters'?)",
        id="test-sets-an-unknown-variable",
    ),
    pytest.param(
        "modules/service_accounts/tests/service_accounts.tftest.hcl",
        "length(google_service_account_iam_member.training_job_submitters) == 0",
        "length(google_service_account_iam_member.training_submitters) == 0",
        "run.workload_accounts_have_narrow_project_roles: unsupported reference "
        "'google_service_account_iam_member.training_submitters' (did you mean "
        "'google_service_account_iam_member.training_job_submitters'?): not declared",
        id="test-asserts-on-an-undeclared-resource",
    ),
    pytest.param(
        "modules/budget/tests/budget.tftest.hcl",
        "expect_failures = [var.notification_emails]",
        "expect_failures = [var.notification_email]",
        "run.refuses_six_addresses: unsupported variable 'notification_email'",
        id="test-expects-failure-of-an-unknown-variable",
    ),
    pytest.param(
        "modules/service_accounts/tests/service_accounts.tftest.hcl",
        'mock_resource "google_service_account" {',
        'mock_resource "google_service_acount" {',
        "mock_resource.google_service_acount: unsupported type 'google_service_acount'",
        id="test-mocks-an-unknown-resource-type",
    ),
    pytest.param(
        "envs/prod/versions.tf",
        'version = ">= 8.7, < 9.0"',
        'version = ">= 7.0, < 8.0"',
        "hashicorp/google '>= 7.0, < 8.0' does not admit 8.7.0",
        id="provider-constraint-excludes-the-schema",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), PLANTED)
def test_planted_mistake_fails_by_name(
    infra_copy: Path, file: str, old: str, new: str, expected: str
) -> None:
    _plant(infra_copy / file, old, new)
    problems = _problems(infra_copy)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(file) for p in problems), problems


def test_invalid_hcl_is_an_error_naming_the_file(infra_copy: Path) -> None:
    _plant(infra_copy / "stack" / "main.tf", "locals {", "locals {{")
    with pytest.raises(DayoneError, match=r"stack/main\.tf: not valid HCL"):
        check_tree(infra_copy)


@pytest.mark.parametrize(
    ("constraint", "admits"),
    [
        (">= 8.7, < 9.0", True),
        ("~> 8.7", True),
        ("~> 8.7.0", True),
        ("~> 8.8", False),
        ("= 8.7.0", True),
        ("8.6.0", False),
        ("!= 8.7.0", False),
        ("> 8.7.0", False),
        ("<= 8.7", True),
    ],
)
def test_version_constraints(constraint: str, admits: bool) -> None:
    assert _constraint_admits(constraint, "8.7.0") is admits


@pytest.mark.slow  # reads the 455 MB package's assembly: 10-30 s, kept out of the quick tier
def test_committed_schema_is_the_pinned_package_s() -> None:
    """Regenerated from the installed cdktn-provider-google (a dev dependency): a bumped pin
    without `scripts/update_gcp_schema.py`, or an extractor change, fails here."""
    regenerated = gcp_provider_schema.schema_from_assembly(gcp_provider_schema.installed_assembly())
    committed = gcp_provider_schema.load_schema()
    assert regenerated["package"] == (
        f"@cdktn/provider-google@{gcp_provider_schema.SCHEMA_PACKAGE_VERSION}"
    )
    assert (
        gcp_provider_schema.encode(regenerated) == gcp_provider_schema.GCP_SCHEMA_FILE.read_bytes()
    )
    assert committed["provider_version"] == regenerated["provider_version"]


def test_schema_shape_of_a_known_resource() -> None:
    """What the extractor reads from the assembly, on a resource whose schema is well known."""
    bucket = gcp_provider_schema.load_schema()["resources"]["google_storage_bucket"]
    assert bucket["attributes"]["name"] == ["string", True]
    assert bucket["attributes"]["uniform_bucket_level_access"] == ["bool", False]
    assert bucket["attributes"]["labels"] == ["map(string)", False]
    required, max_one, versioning = bucket["blocks"]["versioning"]
    assert (required, max_one) == (False, True)
    assert versioning["attributes"]["enabled"] == ["bool", True]
    assert bucket["blocks"]["lifecycle_rule"][1] is False  # a list block
    assert "self_link" not in bucket["attributes"]  # computed only: not an argument


def test_gcp_validate_step_skips_with_its_reason_without_the_google_provider(
    tmp_path: Path,
) -> None:
    """A mirror holding aws only (this machine's): the step says why it cannot run."""
    mirror = tmp_path / "mirror"
    binary = mirror / AWS_PROVIDER / "5.100.0" / "linux_amd64" / "terraform-provider-aws_v5"
    binary.parent.mkdir(parents=True)
    binary.write_text("")
    context = CheckContext(
        tmp_path, {"cloud": "gcp"}, {"DAYONE_TF_MIRROR": str(mirror), "PATH": ""}, tmp_path
    )
    with pytest.raises(CheckSkipped, match=r"holds no registry\.terraform\.io/hashicorp/google"):
        gcp_terraform_validate_and_test(context)


def test_dayone_check_reports_the_schema_step_and_the_skip(gcp_infra: Path, tmp_path: Path) -> None:
    """Through the CLI: the schema step fails by name on a planted mistake, and the
    validate step is printed as skipped with its reason, never as passed."""
    from typer.testing import CliRunner

    from dayone.cli import app

    project = Path(shutil.copytree(gcp_infra.parent, tmp_path / "project"))
    mirror = tmp_path / "mirror"
    binary = mirror / AWS_PROVIDER / "5.100.0" / "linux_amd64" / "terraform-provider-aws_v5"
    binary.parent.mkdir(parents=True)
    binary.write_text("")
    env = {"DAYONE_TF_MIRROR": str(mirror), "DAYONE_CHECK_CACHE": str(tmp_path / "cache")}
    args = ["check", str(project), "--only", "GCP schema", "--only", "terraform validate+test"]

    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert "  pass " in result.output and "GCP schema (offline)" in result.output
    assert "  skip " in result.output and "holds no registry.terraform.io" in result.output
    assert "1 checks passed, 1 skipped" in result.output

    _plant(project / "infra/modules/budget/main.tf", "  billing_account = ", "  billing_acount = ")
    result = CliRunner().invoke(app, [*args, "--no-cache"], env=env)
    assert result.exit_code == 1
    assert "unsupported argument 'billing_acount'" in result.output
    assert "missing required argument 'billing_account'" in result.output


def test_dynamic_blocks_count_as_their_block_at_any_depth(tmp_path: Path) -> None:
    """A required nested block given by `dynamic` is present; a misspelled one is named."""
    (tmp_path / "main.tf").write_text(
        """
resource "google_storage_bucket" "this" {
  name     = "b"
  location = "EU"
  dynamic "lifecycle_rule" {
    for_each = [1]
    content {
      dynamic "action" {
        for_each = [1]
        content {
          type = "Delete"
        }
      }
      dynamic "conditon" {
        for_each = [1]
        content {
          age = 3
        }
      }
    }
  }
}
""",
        encoding="utf-8",
    )
    problems = _problems(tmp_path)
    assert problems == [
        "main.tf: google_storage_bucket.this.lifecycle_rule: unsupported dynamic block "
        "'conditon' (did you mean 'condition'?)",
        "main.tf: google_storage_bucket.this.lifecycle_rule: missing required block 'condition'",
    ], problems
