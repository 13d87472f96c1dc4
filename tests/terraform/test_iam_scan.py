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


# ---- documents known only after apply ---------------------------------------------------------

# What the plan cannot show, as the emulator held it after an apply of the defaults answer
# set's dev: the training and image-build roles' inline policies and the bucket policies
# (the state bucket's too, which is infra/bootstrap's and in no environment's plan). Made by
# an emulated apply of dev (infra/local) whose read-back listed the roles' inline policies,
# the managed policies and the buckets' policies; regenerate it the same way (or from the
# <env>.applied-policies.json the emulated apply leaves in `dayone check`'s records) when
# those policies or their names change.
APPLIED_FIXTURE = Path(__file__).parents[1] / "fixtures" / "defaults-dev.applied-policies.json"


def _applied_record(plan: dict[str, Any], destination: Path, plant: Any = None) -> Path:
    """An applied-policies record of dev: the plan's known documents as the cloud would hold
    them, plus the fixture's; `plant(entries)` may change it first."""
    import json

    account = "123456789012"  # the emulator's, as in the fixture
    entries = [
        {
            "name": d.name,
            "kind": d.kind,
            "address": f"arn:aws:iam::{account}:{'role' if d.kind == 'trust' else 'policy'}/{d.name}",
            "document": d.document,
        }
        for d in iam_scan.policy_documents(plan)
        if d.known
    ]
    entries += json.loads(APPLIED_FIXTURE.read_text(encoding="utf-8"))
    if plant is not None:
        plant(entries)
    destination.write_text(json.dumps(entries), encoding="utf-8")
    return destination


def _entry(entries: list[dict[str, Any]], suffix: str) -> dict[str, Any]:
    return next(e for e in entries if e["name"].endswith(suffix))


@pytest.mark.xdist_group("defaults")
def test_every_document_read_back_after_apply_is_scanned(
    plans: Plans, rendered_project: Rendered, tmp_path: Path
) -> None:
    project, _ = rendered_project("defaults")
    cloudsplaining = iam_scan.cloudsplaining_python(project_environment())
    skips = iam_scan.inline_skips(project / "infra")
    dev = plans("defaults")["dev"]
    planned = iam_scan.policy_documents(dev, "envs/dev")
    # From the plan alone, six documents of dev are never scanned.
    assert len([d for d in planned if not d.known]) == 6
    record = _applied_record(dev, tmp_path / "dev.applied-policies.json")
    applied = iam_scan.applied_documents(record)
    report = iam_scan.scan_documents(iam_scan.with_applied(planned, applied), cloudsplaining, skips)
    assert report.findings == [], iam_scan.describe(report, "dev")
    assert report.unknown == []
    assert len(report.read_back) == len(applied)
    # The training role's inline policy, read back, is scanned with its module's skips, which
    # cover the statement that names the action.
    skipped = {(f.type, f.address, f.statements) for f in report.skipped}
    training = (
        "arn:aws:iam::123456789012:role/defaults-project--dev-training "
        "(identity policy defaults-project--dev-training-access)"
    )
    assert ("DataExfiltration", training, ("ReadWriteProjectObjects",)) in skipped


@pytest.mark.xdist_group("defaults")
def test_a_finding_in_a_document_known_only_after_apply_is_reported(
    plans: Plans, rendered_project: Rendered, tmp_path: Path
) -> None:
    project, _ = rendered_project("defaults")
    cloudsplaining = iam_scan.cloudsplaining_python(project_environment())
    skips = iam_scan.inline_skips(project / "infra")
    dev = plans("defaults")["dev"]

    def plant(entries: list[dict[str, Any]]) -> None:
        training = _entry(entries, "-training-access")["document"]
        training["Statement"].append(OPEN_BUCKET_POLICY_AND_ROLE_DELETION)
        raw = _entry(entries, "-dev-raw")["document"]
        raw["Statement"].append(
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
        )
        entries.remove(_entry(entries, "-image-build"))

    record = _applied_record(dev, tmp_path / "dev.applied-policies.json", plant)
    documents = iam_scan.with_applied(
        iam_scan.policy_documents(dev, "envs/dev"), iam_scan.applied_documents(record)
    )
    report = iam_scan.scan_documents(documents, cloudsplaining, skips)
    found = {(f.type, a.lower()) for f in report.findings for a in f.actions}
    assert {
        ("ResourceExposure", "s3:putbucketpolicy"),
        ("ResourceExposure", "iam:deleterole"),
        ("PublicResourcePolicy", "s3:getobject"),
    } <= found, iam_scan.describe(report, "dev")
    # The image-build policy was unknown at plan and is missing from the record.
    (missing,) = [f for f in report.findings if f.type == "NotReadBack"]
    assert missing.address == "module.stack.module.remote_build.aws_iam_role_policy.this"


@pytest.mark.xdist_group("defaults")
def test_the_check_s_iam_step_scans_the_applied_record(
    plans: Plans, rendered_project: Rendered, tmp_path: Path
) -> None:
    """`dayone check`'s IAM step, given the plans and dev's record as the emulated apply
    leaves them: it says what it read back, and fails on a finding only the record shows."""
    from dayone.answers import read_project_answers
    from dayone.checks import CheckContext, CheckFailed, iam_policy_scan

    project, env = rendered_project("defaults")
    by_env = plans("defaults")

    def step(record: Path) -> str:
        context = CheckContext(
            project, read_project_answers(project), project_environment(env), tmp_path
        )
        context.plans.update(by_env)
        context.applied_policies["dev"] = record
        return iam_policy_scan(context)

    clean = step(_applied_record(by_env["dev"], tmp_path / "clean.json"))
    assert (
        f"dev: {len(iam_scan.policy_documents(by_env['dev'])) + 1} policy documents scanned"
        in clean
    )
    assert "read back after apply" in clean.splitlines()[0]
    assert "0 findings" in clean.splitlines()[0]

    def plant(entries: list[dict[str, Any]]) -> None:
        _entry(entries, "-training-access")["document"]["Statement"].append(
            OPEN_BUCKET_POLICY_AND_ROLE_DELETION
        )

    with pytest.raises(CheckFailed, match="ResourceExposure s3:PutBucketPolicy in arn:aws:iam"):
        step(_applied_record(by_env["dev"], tmp_path / "planted.json", plant))
