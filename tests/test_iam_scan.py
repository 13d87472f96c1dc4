"""The project's IAM scan (infra/local/iam_scan.py): its reading of its inputs, without cloudsplaining: which data block an inline
skip annotates, which data block a plan's document comes from, and what an applied-policies
record must hold. (The scans themselves: tests/terraform/test_iam_scan.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.iam_scan import iam_scan

REASON = "a reason of more than twenty characters"


def _infra(tmp_path: Path, text: str, where: str = "stack/main.tf") -> Path:
    infra = tmp_path / "infra"
    path = infra / where
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return infra


def test_a_skip_belongs_to_the_data_block_below_its_comment_lines(tmp_path: Path) -> None:
    infra = _infra(
        tmp_path,
        "# The deploy role's policy.\n"
        f"#iam-scan:skip=ResourceExposure:s3:PutBucketPolicy:{REASON}\n"
        "# a comment between the skips and the block\n"
        f"#iam-scan:skip=DataExfiltration:s3:GetObject:{REASON}\n"
        'data "aws_iam_policy_document" "deploy" {\n}\n\n'
        'data "aws_iam_policy_document" "plan" {\n}\n',
        "modules/ci/main.tf",
    )
    skips = iam_scan.inline_skips(infra)
    assert [(s.finding_type, s.action, str(s.block), s.where) for s in skips] == [
        (
            "ResourceExposure",
            "s3:putbucketpolicy",
            "modules/ci/data.aws_iam_policy_document.deploy",
            "modules/ci/main.tf:2",
        ),
        (
            "DataExfiltration",
            "s3:getobject",
            "modules/ci/data.aws_iam_policy_document.deploy",
            "modules/ci/main.tf:4",
        ),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"#iam-scan:skip=ResourceExposure:s3:PutBucketPolicy:{REASON}\n"
            'resource "aws_iam_policy" "deploy" {\n}\n',
            "stack/main.tf:1: an iam-scan skip must sit in the comment lines right above the "
            'data "aws_iam_policy_document" block it applies to',
        ),
        (
            f"#iam-scan:skip=ResourceExposure:s3:PutBucketPolicy:{REASON}\n\n"
            'data "aws_iam_policy_document" "deploy" {\n}\n',
            "stack/main.tf:1: an iam-scan skip must sit in the comment lines right above",
        ),
        (
            f"#iam-scan:skip=ResourceExposure:s3:PutBucketPolicy:{REASON}\n",
            "stack/main.tf:1: an iam-scan skip must sit in the comment lines right above",
        ),
        (
            f"#iam-scan:skip=PrivilegeEscalation:iam:PutRolePolicy:{REASON}\n",
            "stack/main.tf:1: a privilege-escalation finding cannot be skipped",
        ),
        (
            f"#iam-scan:skip=Exposure:s3:PutBucketPolicy:{REASON}\n",
            "stack/main.tf:1: unknown finding type 'Exposure' in an iam-scan skip; one of "
            "ResourceExposure, DataExfiltration, CredentialsExposure, ServiceWildcard",
        ),
        (
            "#iam-scan:skip=ResourceExposure:s3:PutBucketPolicy:too short\n",
            "stack/main.tf:1: iam-scan skip of s3:PutBucketPolicy needs a reason",
        ),
    ],
    ids=["above-a-resource", "blank-line", "end-of-file", "escalation", "type", "reason"],
)
def test_a_misplaced_or_malformed_skip_is_one_clear_error(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(iam_scan.ScanError) as error:
        iam_scan.inline_skips(_infra(tmp_path, text))
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


# ---- the applied-policies record the emulated apply writes ----------------------------------

STATEMENT = {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


def _record(tmp_path: Path, entries: object) -> Path:
    import json

    path = tmp_path / f"dev{iam_scan.APPLIED_SUFFIX}"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def test_an_applied_record_is_read_as_documents_read_back(tmp_path: Path) -> None:
    path = _record(
        tmp_path,
        [
            {
                "name": "p--dev-training-access",
                "kind": "identity",
                "address": "arn:aws:iam::123456789012:role/p--dev-training",
                # IAM accepts a lone statement as an object.
                "document": {"Version": "2012-10-17", "Statement": STATEMENT},
            }
        ],
    )
    (document,) = iam_scan.applied_documents(path)
    assert document == iam_scan.PolicyDocument(
        "arn:aws:iam::123456789012:role/p--dev-training",
        "identity",
        "p--dev-training-access",
        {"Version": "2012-10-17", "Statement": [STATEMENT]},
        applied=True,
        # An inline policy's address is its role's ARN: the role it belongs to.
        role="p--dev-training",
    )


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"name": "x"}, "dev.applied-policies.json: must hold a JSON list of policy documents"),
        (
            ["x"],
            "dev.applied-policies.json: entry 0: must be an object with name, kind, address, document",
        ),
        (
            [{"name": "", "kind": "trust", "address": "arn", "document": {"Statement": []}}],
            "dev.applied-policies.json: entry 0: name and address must be non-empty strings",
        ),
        (
            [{"name": "r", "kind": "inline", "address": "arn", "document": {"Statement": []}}],
            "dev.applied-policies.json: entry 0: kind must be one of identity, trust, resource, "
            "not 'inline'",
        ),
        (
            [{"name": "r", "kind": "trust", "address": "arn", "document": "{}"}],
            "dev.applied-policies.json: entry 0: document must be a policy object with a Statement",
        ),
        (
            [
                {
                    "name": "r",
                    "kind": "trust",
                    "address": "a",
                    "document": {"Statement": []},
                    "roles": "r",
                }
            ],
            "dev.applied-policies.json: entry 0: roles, when given, must be a list of role names",
        ),
    ],
    ids=["not-a-list", "not-an-object", "no-name", "kind", "document-as-text", "roles"],
)
def test_a_malformed_applied_record_is_one_clear_error(
    tmp_path: Path, entries: object, message: str
) -> None:
    with pytest.raises(iam_scan.ScanError) as error:
        iam_scan.applied_documents(_record(tmp_path, entries))
    assert str(error.value) == message


def test_documents_read_back_take_the_place_and_the_skips_of_the_planned_ones() -> None:
    training = iam_scan.DataBlock("modules/ml_iam", "this")
    tls_only = iam_scan.DataBlock("modules/data_lake", "tls_only")
    planned = [
        iam_scan.PolicyDocument("module.ml.aws_iam_role_policy.this", "identity", "p-train", None, (training,)),
        iam_scan.PolicyDocument('module.lake.aws_s3_bucket_policy.this["raw"]', "resource", 'module.lake.aws_s3_bucket_policy.this["raw"]', None, (tls_only,)),
        iam_scan.PolicyDocument('module.lake.aws_s3_bucket_policy.this["models"]', "resource", 'module.lake.aws_s3_bucket_policy.this["models"]', None, (tls_only,)),
        iam_scan.PolicyDocument("aws_iam_role.deploy", "trust", "p-deploy", {"Statement": []}),
    ]  # fmt: skip
    document = {"Statement": [STATEMENT]}
    applied = [
        iam_scan.PolicyDocument("arn:role/p-train", "identity", "p-train", document, applied=True),
        iam_scan.PolicyDocument("arn:s3:::p-raw", "resource", "p-raw", document, applied=True),
    ]
    merged = iam_scan.with_applied(planned, applied)
    # The training policy read back carries its data block, so the skips written there.
    assert merged[0] == iam_scan.PolicyDocument(
        "arn:role/p-train", "identity", "p-train", document, (training,), applied=True
    )
    # A bucket policy's name is unknown at plan: one read back of its kind stands for one;
    # the other was not read back and stays unknown (the scan reports it); the trust policy
    # known at plan and not in the record is scanned from the plan.
    assert [d.address for d in merged] == [
        "arn:role/p-train",
        "arn:s3:::p-raw",
        'module.lake.aws_s3_bucket_policy.this["models"]',
        "aws_iam_role.deploy",
    ]
    assert [d.known for d in merged] == [True, True, False, True]


def test_the_check_s_scan_reads_the_records_the_emulated_apply_leaves(tmp_path: Path) -> None:
    """`dayone check`'s emulator lane: the apply's `make infra-local` and the scan's
    `make infra-iam-scan` are given the same OUT_DIR (here a stand-in Makefile)."""
    import os

    from dayone.checks import CheckContext, CheckOptions
    from dayone.checks.apply import terraform_emulated_apply, terraform_iam_scan

    project = tmp_path / "project"
    (project / "infra" / "local").mkdir(parents=True)
    (project / "infra" / "local" / "apply_destroy.py").write_text("", encoding="utf-8")
    (project / "Makefile").write_text(
        "infra-local:\n"
        "\t@echo '[]' > \"$(OUT_DIR)/dev.applied-policies.json\"\n"
        "infra-iam-scan:\n"
        '\t@ls "$(OUT_DIR)"\n',
        encoding="utf-8",
    )
    for out_dir in (tmp_path / "records", None):
        scratch = tmp_path / f"scratch-{out_dir is None}"
        (out_dir or scratch / "emulated-apply").mkdir(parents=True)
        context = CheckContext(
            project, {}, dict(os.environ), scratch, CheckOptions(out_dir=out_dir)
        )
        terraform_emulated_apply(context)
        assert terraform_iam_scan(context).split() == ["dev.applied-policies.json"]


def _plan_with_policy(name: str, document: dict[str, Any]) -> dict[str, Any]:
    resource = {
        "address": "aws_iam_policy.this",
        "mode": "managed",
        "type": "aws_iam_policy",
        "values": {"name": name, "policy": json.dumps(document)},
    }
    return {"planned_values": {"root_module": {"resources": [resource]}}}


def test_the_scan_takes_every_environment_s_plans_from_the_records(tmp_path: Path) -> None:
    """With the apply's records for every environment, nothing is planned: the documents are
    the records' (stack and bootstrap plans, and the policies read back)."""
    infra = tmp_path / "infra"
    records = tmp_path / "records"
    records.mkdir()
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    for env in ("dev", "prod"):
        (infra / "envs" / env).mkdir(parents=True)
        for suffix, name in ((".plan.json", f"{env}-stack"), (".bootstrap.plan.json", f"{env}-ci")):
            plan = _plan_with_policy(name, {"Statement": [statement]})
            (records / f"{env}{suffix}").write_text(json.dumps(plan), encoding="utf-8")
    applied = [
        {"name": "dev-ci", "kind": "identity", "address": "arn:aws:iam::1:policy/dev-ci",
         "document": {"Statement": [statement]}},
    ]  # fmt: skip
    (records / "dev.applied-policies.json").write_text(json.dumps(applied), encoding="utf-8")
    documents = iam_scan.documents_by_environment(records, infra)
    assert {env: [(d.name, d.applied) for d in docs] for env, docs in documents.items()} == {
        "dev": [("dev-ci", True), ("dev-stack", False)],
        "prod": [("prod-stack", False), ("prod-ci", False)],
    }
    (records / "prod.plan.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(iam_scan.ScanError, match=r"^prod.plan.json: not a readable JSON plan"):
        iam_scan.documents_by_environment(records, infra)


def test_the_scan_without_a_cloudsplaining_command_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(iam_scan.CLOUDSPLAINING_ENV_VAR, raising=False)
    assert iam_scan.main(["--out-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "iam scan: give the command that runs cloudsplaining's Python (--cloudsplaining), "
        "or set DAYONE_CLOUDSPLAINING"
    ]
