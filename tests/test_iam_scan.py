"""dayone.iam_scan's reading of its inputs, without cloudsplaining: which data block an inline
skip annotates, which data block a plan's document comes from, and what an applied-policies
record must hold. (The scans themselves: tests/terraform/test_iam_scan.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from dayone import iam_scan
from dayone.errors import DayoneError

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
    with pytest.raises(DayoneError) as error:
        iam_scan.inline_skips(_infra(tmp_path, text))
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
