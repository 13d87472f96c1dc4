"""The GCP Terraform (terraform_modules/gcp_*, the template's GCP infra/): checkov's inline
skips are pinned with their reasons, and checkov reports no failure on the rendered gcp
answer set. Its schema check is tests/test_gcp_schema.py; terraform validate and test of it
need the google provider (see tests/terraform/test_modules.py)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from dayone.checks import checkov_executable
from dayone.tools import project_environment
from tests.support.answer_checks import try_render
from tests.support.project import REPO_ROOT, answer_set

GCP_TERRAFORM = [
    *sorted(REPO_ROOT.glob("terraform_modules/gcp_*/**/*.tf")),
    *sorted((REPO_ROOT / "template").glob("*cloud == 'gcp'*infra*/**/*.tf")),
]

# Every inline `#checkov:skip` of the GCP Terraform, by check ID. Adding a skip is a
# decision: it comes with a reason in the code and a change to this set.
PINNED_GCP_SKIPS = {
    "CKV2_GCP_5",  # project: data-access logs for storage only (cost of every other read)
    "CKV_GCP_117",  # plan account: roles/viewer, read-only by design
    "CKV_GCP_125",  # GitHub provider: pinned on the repository claim, not one exact sub
    "CKV_GCP_49",  # deploy account manages this environment's service accounts
    "CKV_GCP_62",  # buckets: Cloud Audit Logs instead of legacy usage logs
    "CKV_GCP_81",  # BigQuery: Google-managed encryption
    "CKV_GCP_84",  # Artifact Registry: Google-managed encryption
}


def test_gcp_terraform_is_found() -> None:
    assert len(GCP_TERRAFORM) > 30, GCP_TERRAFORM


def test_every_gcp_inline_skip_is_pinned_with_a_reason() -> None:
    skips = [
        line.split("checkov:skip=", 1)[1]
        for tf in GCP_TERRAFORM
        for line in tf.read_text(encoding="utf-8").splitlines()
        if "checkov:skip=" in line
    ]
    for skip in skips:
        check_id, _, reason = skip.partition(":")
        assert re.fullmatch(r"CKV2?_GCP_\d+", check_id), skip
        assert len(reason.strip()) > 20, f"skip {check_id} needs a reason"
    assert {s.partition(":")[0] for s in skips} == PINNED_GCP_SKIPS


@pytest.mark.slow
def test_checkov_reports_no_failures_and_only_pinned_skips(
    tmp_path: Path, fast_template: str
) -> None:
    dest = tmp_path / "project"
    assert try_render(fast_template, dest, answer_set("gcp")) is None
    env = project_environment()
    completed = subprocess.run(
        [checkov_executable(env), "-d", str(dest / "infra"), "--framework", "terraform",
         "--skip-download", "--compact", "-o", "json"],
        capture_output=True, text=True, env={**env, "BC_SKIP_MAPPING": "TRUE"},
    )  # fmt: skip
    report = json.loads(completed.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [c["check_id"] for r in reports for c in r["results"].get("failed_checks", [])]
    skipped = {c["check_id"] for r in reports for c in r["results"].get("skipped_checks", [])}
    passed = [c["check_id"] for r in reports for c in r["results"].get("passed_checks", [])]
    assert failed == []
    assert skipped == PINNED_GCP_SKIPS
    assert len(passed) > 100  # checkov read the GCP resources: not an empty scan
    assert completed.returncode == 0
