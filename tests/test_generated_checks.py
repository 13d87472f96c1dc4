"""Slow tier: every answer set's generated repository passes its own checks."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import LEFT_TO_PLANS, Checked, left_out_of_check
from tests.support.project import ANSWER_SETS, read_answers


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.xdist_group(n)) for n in ANSWER_SETS]
)
def test_generated_repo_is_green(checked_project: Callable[[str], Checked], name: str) -> None:
    checked = checked_project(name)
    project, results = checked.project, checked.results
    failed = [r for r in results if not r.passed]
    report = "\n".join(f"--- {r.name} ---\n{r.tail}" for r in failed)
    assert not failed, report
    names = {r.name for r in results}
    left = set(left_out_of_check(name))
    assert names >= {"uv sync (locked)", "pre-commit (all files)", "pytest"} - left
    assert not names & left, "a step left to the defaults' check or to the pipeline ran anyway"
    if read_answers(project).get("cloud") == "aws":
        # fmt, then init and validate of every root of infra/, each environment and bootstrap.
        assert names | left >= {
            "terraform fmt",
            "terraform test (modules)",
            "terraform validate (envs, bootstrap)",
            "terraform apply+destroy, emulated",
            "checkov (infra/)",
            "IAM policies (cloudsplaining, all envs)",
        }
    if name in LEFT_TO_PLANS:
        # Validate was left to the plans: every environment and its bootstrap was planned.
        tfvars = project / "infra" / "envs" / "dev" / "terraform.tfvars.json"
        environments = json.loads(tfvars.read_text(encoding="utf-8"))["environments"]
        planned = {p.name for p in checked.records.glob("*.plan.json")}
        for env in environments:
            assert {f"{env}.plan.json", f"{env}.bootstrap.plan.json"} <= planned, planned
    if read_answers(project).get("cloud") == "gcp":
        # Offline, the schema check stands in for validate; checkov runs as for AWS; the
        # rendered IAM bindings stand in for an emulator of GCP IAM, which does not exist.
        assert names >= {
            "terraform fmt",
            "GCP schema (offline)",
            "GCP IAM self-escalation (rendered bindings)",
            "checkov (infra/)",
        }
        by_name = {r.name: r for r in results}
        validate = by_name["terraform validate+test (GCP, needs the google provider)"]
        # Never a silent pass: without the google provider it says why it did not run.
        assert validate.skipped == "" or "holds no registry.terraform.io/hashicorp/google" in (
            validate.skipped
        )
        assert "google resources and data sources" in by_name["GCP schema (offline)"].output
        iam = by_name["GCP IAM self-escalation (rendered bindings)"].output
        assert "no emulator of GCP IAM exists" in iam and "0 self-escalations" in iam
