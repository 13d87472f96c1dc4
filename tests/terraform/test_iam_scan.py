"""The IAM scan's skip scope: an inline `#iam-scan:skip` covers the statement it annotates,
never the same finding in another policy or in another statement."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dayone import iam_scan
from dayone.tools import project_environment
from tests.support.project import read_answers

pytestmark = [pytest.mark.slow, pytest.mark.terraform]

Rendered = Callable[[str], tuple[Path, dict[str, str]]]
Plans = Callable[[str], dict[str, dict[str, Any]]]


def _plant(plan: dict[str, Any], policy_name: str, statement: dict[str, Any]) -> dict[str, Any]:
    """A copy of `plan` whose policy `policy_name` also holds `statement`."""
    import json

    planted = copy.deepcopy(plan)

    def walk(module: dict[str, Any]) -> bool:
        for resource in module.get("resources", []):
            if resource["type"] == "aws_iam_policy" and resource["values"]["name"] == policy_name:
                document = json.loads(resource["values"]["policy"])
                document["Statement"].append(statement)
                resource["values"]["policy"] = json.dumps(document)
                return True
        return any(walk(child) for child in module.get("child_modules", []))

    assert walk(planted["planned_values"]["root_module"]), policy_name
    return planted


OPEN_BUCKET_POLICY_AND_ROLE_DELETION = {
    "Sid": "Planted",
    "Effect": "Allow",
    "Action": ["s3:PutBucketPolicy", "iam:DeleteRole"],
    "Resource": "*",
}


@pytest.mark.xdist_group("defaults")
def test_a_skip_does_not_cover_the_same_finding_in_another_policy(
    plans: Plans, rendered_project: Rendered
) -> None:
    """Measured on main: this planted grant in the prod PLAN role's policy scanned as
    "0 findings, 15 skipped", the deploy policies' skips of the same actions covering it."""
    project, _ = rendered_project("defaults")
    slug = read_answers(project)["project_slug"]
    cloudsplaining = iam_scan.cloudsplaining_python(project_environment())
    skips = iam_scan.inline_skips(project / "infra")
    prod = plans("defaults")["prod"]
    planted = _plant(prod, f"{slug}--prod-plan", OPEN_BUCKET_POLICY_AND_ROLE_DELETION)
    report = iam_scan.scan_documents(
        iam_scan.policy_documents(planted, "envs/prod"), cloudsplaining, skips
    )
    found = {(f.type, a.lower()) for f in report.findings for a in f.actions}
    assert {
        ("ResourceExposure", "s3:putbucketpolicy"),
        ("ResourceExposure", "iam:deleterole"),
    } <= found, iam_scan.describe(report, "prod")
    # Control: the deploy policies' own statements, which the skips annotate, stay skipped.
    clean = iam_scan.scan_documents(
        iam_scan.policy_documents(prod, "envs/prod"), cloudsplaining, skips
    )
    assert clean.findings == []
    skipped = {(f.type, a.lower(), f.statements) for f in clean.skipped for a in f.actions}
    assert ("ResourceExposure", "s3:putbucketpolicy", ("EnvironmentBuckets",)) in skipped
    assert ("ResourceExposure", "iam:deleterole", ("ManageEnvironmentRoles",)) in skipped


@pytest.mark.xdist_group("defaults")
def test_a_skip_does_not_cover_a_wildcard_grant_in_the_policy_it_annotates(
    plans: Plans, rendered_project: Rendered
) -> None:
    """The deploy_resources block's skip of s3:PutBucketPolicy covers its EnvironmentBuckets
    statement, not a statement of the same policy that grants it as s3:* on everything."""
    project, _ = rendered_project("defaults")
    slug = read_answers(project)["project_slug"]
    cloudsplaining = iam_scan.cloudsplaining_python(project_environment())
    skips = iam_scan.inline_skips(project / "infra")
    everything_in_s3 = {"Sid": "Planted", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    planted = _plant(plans("defaults")["prod"], f"{slug}--prod-deploy-resources", everything_in_s3)
    report = iam_scan.scan_documents(
        iam_scan.policy_documents(planted, "envs/prod"), cloudsplaining, skips
    )
    put_bucket_policy = [
        f for f in report.findings if "s3:putbucketpolicy" in {a.lower() for a in f.actions}
    ]
    assert put_bucket_policy, iam_scan.describe(report, "prod")
    assert "Planted" in put_bucket_policy[0].statements
