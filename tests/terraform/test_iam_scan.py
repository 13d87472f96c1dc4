"""The IAM scan's skip scope: an inline `#iam-scan:skip` covers the statement it annotates,
never the same finding in another policy or in another statement."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Checked
from tests.support.iam_scan import cloudsplaining_python, iam_scan
from tests.support.project import read_answers
from tests.terraform.conftest import ENVIRONMENTS, grouped

pytestmark = [pytest.mark.slow, pytest.mark.terraform]

Rendered = Callable[[str], tuple[Path, dict[str, str]]]
Plans = Callable[[str], dict[str, dict[str, Any]]]


def _plant(plan: dict[str, Any], policy_name: str, statement: dict[str, Any]) -> dict[str, Any]:
    """A copy of `plan` whose policy `policy_name` also holds `statement`."""
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
    bootstrap_plans: Plans, rendered_project: Rendered
) -> None:
    """Measured on main before the skip scope: this planted grant in the prod PLAN role's
    policy scanned as "0 findings, 15 skipped", the deploy policies' skips of the same actions
    covering it. The CI roles are the bootstrap's now; so are their skips."""
    project, _ = rendered_project("defaults")
    slug = read_answers(project)["project_slug"]
    cloudsplaining = cloudsplaining_python()
    skips = iam_scan.inline_skips(project / "infra")
    prod = bootstrap_plans("defaults")["prod"]
    planted = _plant(prod, f"{slug}--prod-plan", OPEN_BUCKET_POLICY_AND_ROLE_DELETION)
    report = iam_scan.scan_documents(
        iam_scan.policy_documents(planted, "bootstrap"), cloudsplaining, skips
    )
    found = {(f.type, a.lower()) for f in report.findings for a in f.actions}
    assert {
        ("ResourceExposure", "s3:putbucketpolicy"),
        ("ResourceExposure", "iam:deleterole"),
    } <= found, iam_scan.describe(report, "prod")
    # Control: the deploy policy's own statements, which the skips annotate, stay skipped.
    clean = iam_scan.scan_documents(
        iam_scan.policy_documents(prod, "bootstrap"), cloudsplaining, skips
    )
    assert clean.findings == [], iam_scan.describe(clean, "prod")
    skipped = {(f.type, a.lower(), f.statements) for f in clean.skipped for a in f.actions}
    assert ("ResourceExposure", "s3:putbucketpolicy", ("EnvironmentBuckets",)) in skipped
    assert ("DataExfiltration", "s3:getobject", ("State", "StateLock")) in skipped


@pytest.mark.xdist_group("defaults")
def test_a_skip_does_not_cover_a_wildcard_grant_in_the_policy_it_annotates(
    bootstrap_plans: Plans, rendered_project: Rendered
) -> None:
    """The deploy block's skip of s3:PutBucketPolicy covers its EnvironmentBuckets statement,
    not a statement of the same policy that grants it as s3:* on everything."""
    project, _ = rendered_project("defaults")
    slug = read_answers(project)["project_slug"]
    cloudsplaining = cloudsplaining_python()
    skips = iam_scan.inline_skips(project / "infra")
    everything_in_s3 = {"Sid": "Planted", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    planted = _plant(bootstrap_plans("defaults")["prod"], f"{slug}--prod-deploy", everything_in_s3)
    report = iam_scan.scan_documents(
        iam_scan.policy_documents(planted, "bootstrap"), cloudsplaining, skips
    )
    put_bucket_policy = [
        f for f in report.findings if "s3:putbucketpolicy" in {a.lower() for a in f.actions}
    ]
    assert put_bucket_policy, iam_scan.describe(report, "prod")
    assert "Planted" in put_bucket_policy[0].statements


@pytest.mark.xdist_group("defaults")
def test_a_role_bound_pass_sets_aside_its_own_statement_only(
    plans: Plans, bootstrap_plans: Plans, rendered_project: Rendered
) -> None:
    """The deploy role's pass of the image build's role to CodeBuild is set aside, like a
    skip, as that one statement: a second pass in the same policy, of a role that is not
    bounded (the deploy role itself, trusted by CI's OIDC provider), is scanned and reported
    with its own statement, and the set-aside one is named in the output."""
    project, _ = rendered_project("defaults")
    slug = read_answers(project)["project_slug"]
    cloudsplaining = cloudsplaining_python()
    skips = iam_scan.inline_skips(project / "infra")
    stack, bootstrap = plans("defaults")["prod"], bootstrap_plans("defaults")["prod"]
    trust = next(
        d
        for d in iam_scan.policy_documents(bootstrap)
        if d.kind == "trust" and d.name == f"{slug}--prod-deploy"
    )
    account = json.dumps(trust.document).split("arn:aws:iam::", 1)[1][:12]
    pass_itself = {
        "Sid": "Planted",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": f"arn:aws:iam::{account}:role/{slug}--prod-deploy",
        "Condition": {"StringEquals": {"iam:PassedToService": "codebuild.amazonaws.com"}},
    }

    def scan(bootstrap_plan: dict[str, Any]) -> iam_scan.ScanReport:
        documents = [
            *iam_scan.policy_documents(stack, "envs/prod"),
            *iam_scan.policy_documents(bootstrap_plan, "bootstrap"),
        ]
        return iam_scan.scan_documents(documents, cloudsplaining, skips)

    clean = scan(bootstrap)
    assert clean.findings == [], iam_scan.describe(clean, "prod")
    set_aside = {(f.detail, f.statements) for f in clean.passes}
    assert (f"of {slug}--prod-image-codebuild", ("PassBuildRoleToCodeBuild",)) in set_aside
    assert "set aside: RoleBoundPass" in iam_scan.describe(clean, "prod")
    planted = scan(_plant(bootstrap, f"{slug}--prod-deploy", pass_itself))
    passes = [f for f in planted.findings if "iam:passrole" in {a.lower() for a in f.actions}]
    assert passes, iam_scan.describe(planted, "prod")
    assert all("Planted" in f.statements for f in passes), iam_scan.describe(planted, "prod")
    assert not any("PassBuildRoleToCodeBuild" in f.statements for f in passes)
    assert {f.statements for f in planted.passes} == {f.statements for f in clean.passes}


# ---- documents known only after apply ---------------------------------------------------------

# Every policy document of the defaults answer set's dev as the emulator held it after
# `dayone check`'s emulated apply (infra/local's <env>.applied-policies.json): the roles' trust,
# inline and managed policies of the bootstrap, and the bucket policies a plan cannot know.
# test_the_fixture_is_what_the_emulated_apply_writes compares it with the check's record: when
# the identities or their names change, copy that record here (it says from where).
APPLIED_FIXTURE = Path(__file__).parents[1] / "fixtures" / "defaults-dev.applied-policies.json"


def _dev_documents(plans: Plans, bootstrap_plans: Plans) -> list[iam_scan.PolicyDocument]:
    """dev's planned documents, each traced to its data blocks from its plan's root."""
    return [
        *iam_scan.policy_documents(plans("defaults")["dev"], "envs/dev"),
        *iam_scan.policy_documents(bootstrap_plans("defaults")["dev"], "bootstrap"),
    ]


def _applied_record(destination: Path, plant: Any = None) -> Path:
    """The fixture's record of dev; `plant(entries)` may change it first."""
    entries = json.loads(APPLIED_FIXTURE.read_text(encoding="utf-8"))
    if plant is not None:
        plant(entries)
    destination.write_text(json.dumps(entries), encoding="utf-8")
    return destination


def _entry(entries: list[dict[str, Any]], suffix: str) -> dict[str, Any]:
    return next(e for e in entries if e["name"].endswith(suffix))


def _comparable(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        ({**e, "roles": sorted(e.get("roles", []))} for e in entries),
        key=lambda e: (e["kind"], e["name"]),
    )


@pytest.mark.xdist_group("defaults")
def test_the_fixture_is_what_the_emulated_apply_writes(
    checked_project: Callable[[str], Checked],
) -> None:
    record = checked_project("defaults").records / "dev.applied-policies.json"
    written = json.loads(record.read_text(encoding="utf-8"))
    fixture = json.loads(APPLIED_FIXTURE.read_text(encoding="utf-8"))
    assert _comparable(fixture) == _comparable(written), (
        f"the emulated apply now reads back other documents: cp {record} {APPLIED_FIXTURE}"
    )


@pytest.mark.parametrize("name", grouped("defaults", "hostile-text"))
def test_the_applied_record_names_documents_as_the_plans_do(
    checked_project: Callable[[str], Checked], plans: Plans, bootstrap_plans: Plans, name: str
) -> None:
    """What infra/local writes is what dayone's reader expects: each document read back is
    the planned document of its kind and name (bucket policies, unnamed at plan, by kind),
    every planned one is read back, and a trust or inline policy knows its role."""
    records = checked_project(name).records
    for env in ENVIRONMENTS:
        planned = [
            *iam_scan.policy_documents(plans(name)[env], f"envs/{env}"),
            *iam_scan.policy_documents(bootstrap_plans(name)[env], "bootstrap"),
        ]
        applied = iam_scan.applied_documents(records / f"{env}{iam_scan.APPLIED_SUFFIX}")
        named = {(d.kind, d.name) for d in planned if d.kind != "resource"}
        assert {(d.kind, d.name) for d in applied if d.kind != "resource"} == named, env
        assert len([d for d in applied if d.kind == "resource"]) == len(
            [d for d in planned if d.kind == "resource"]
        ), env
        merged = iam_scan.with_applied(planned, applied)
        assert all(d.applied for d in merged), [d.address for d in merged if not d.applied]
        roles = {(d.kind, d.name): d.role for d in planned}
        for document in merged:
            if document.kind != "resource":
                assert document.role == roles[(document.kind, document.name)], document.name


@pytest.mark.xdist_group("defaults")
def test_every_document_read_back_after_apply_is_scanned(
    plans: Plans, bootstrap_plans: Plans, rendered_project: Rendered, tmp_path: Path
) -> None:
    project, _ = rendered_project("defaults")
    cloudsplaining = cloudsplaining_python()
    skips = iam_scan.inline_skips(project / "infra")
    planned = _dev_documents(plans, bootstrap_plans)
    # From the plans alone, the five bucket policies of dev are never scanned.
    unknown = [d for d in planned if not d.known]
    assert len(unknown) == 5 and {d.kind for d in unknown} == {"resource"}, unknown
    applied = iam_scan.applied_documents(_applied_record(tmp_path / "dev.applied-policies.json"))
    report = iam_scan.scan_documents(iam_scan.with_applied(planned, applied), cloudsplaining, skips)
    assert report.findings == [], iam_scan.describe(report, "dev")
    assert report.unknown == []
    assert len(report.read_back) == len(applied) == len(planned)
    # The training role's inline policy, read back, is scanned with its module's skips, which
    # cover the statement that names the action; the passes of the roles read back stay
    # set aside (the roles' trust and inline policies, read back, know their role).
    skipped = {(f.type, f.address, f.statements) for f in report.skipped}
    training = (
        "arn:aws:iam::123456789012:role/defaults-project--dev-training "
        "(identity policy defaults-project--dev-training-access)"
    )
    assert ("DataExfiltration", training, ("ReadWriteProjectObjects",)) in skipped
    # The trainer passes the training role (SageMaker) and the slice roles (ECS tasks); the
    # deploy role passes the image build's role (CodeBuild).
    passed = sorted(f.statements for f in report.passes)
    assert passed == [
        ("PassBuildRoleToCodeBuild",),
        ("PassSliceRolesToEcsTasks",),
        ("PassTrainingRoleToSageMaker",),
    ], iam_scan.describe(report, "dev")


@pytest.mark.xdist_group("defaults")
def test_a_finding_in_a_document_known_only_after_apply_is_reported(
    plans: Plans, bootstrap_plans: Plans, rendered_project: Rendered, tmp_path: Path
) -> None:
    project, _ = rendered_project("defaults")
    cloudsplaining = cloudsplaining_python()
    skips = iam_scan.inline_skips(project / "infra")

    def plant(entries: list[dict[str, Any]]) -> None:
        training = _entry(entries, "-training-access")["document"]
        training["Statement"].append(OPEN_BUCKET_POLICY_AND_ROLE_DELETION)
        raw = _entry(entries, "-dev-raw")["document"]
        raw["Statement"].append(
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
        )
        entries.remove(_entry(entries, "-dev-models"))

    record = _applied_record(tmp_path / "dev.applied-policies.json", plant)
    documents = iam_scan.with_applied(
        _dev_documents(plans, bootstrap_plans), iam_scan.applied_documents(record)
    )
    report = iam_scan.scan_documents(documents, cloudsplaining, skips)
    found = {(f.type, a.lower()) for f in report.findings for a in f.actions}
    assert {
        ("ResourceExposure", "s3:putbucketpolicy"),
        ("ResourceExposure", "iam:deleterole"),
        ("PublicResourcePolicy", "s3:getobject"),
    } <= found, iam_scan.describe(report, "dev")
    # One bucket policy was unknown at plan and is missing from the record.
    (missing,) = [f for f in report.findings if f.type == "NotReadBack"]
    assert "aws_s3_bucket_policy" in missing.address, missing


@pytest.mark.xdist_group("defaults")
def test_the_project_s_scan_reads_the_applied_record(
    plans: Plans, bootstrap_plans: Plans, rendered_project: Rendered, tmp_path: Path
) -> None:
    """`make infra-iam-scan OUT_DIR=<records>` (infra/local/iam_scan.py), given the plans and
    dev's record as the emulated apply leaves them: it says what it read back, and fails on a
    finding only the record shows."""
    project, _ = rendered_project("defaults")
    cloudsplaining = cloudsplaining_python()

    def scan(plant: Any = None) -> tuple[bool, str]:
        records = tmp_path / ("planted" if plant else "clean")
        records.mkdir()
        for env in ENVIRONMENTS:
            for suffix, made in ((".plan.json", plans), (".bootstrap.plan.json", bootstrap_plans)):
                (records / f"{env}{suffix}").write_text(json.dumps(made("defaults")[env]))
        _applied_record(records / "dev.applied-policies.json", plant)
        return iam_scan.scan(records, cloudsplaining, project / "infra")

    passed, clean = scan()
    count = len(json.loads(APPLIED_FIXTURE.read_text(encoding="utf-8")))
    first = clean.splitlines()[0]
    assert passed, clean
    assert f"dev: {count} policy documents scanned ({count} read back after apply)" in first
    assert "0 findings" in first and "3 role-bound passes" in first

    def plant(entries: list[dict[str, Any]]) -> None:
        _entry(entries, "-training-access")["document"]["Statement"].append(
            OPEN_BUCKET_POLICY_AND_ROLE_DELETION
        )

    passed, planted = scan(plant)
    assert not passed
    assert "ResourceExposure s3:PutBucketPolicy in arn:aws:iam" in planted, planted
