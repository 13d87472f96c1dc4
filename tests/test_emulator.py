"""The local AWS emulator that generated projects apply their infrastructure on: moto's
server plus the additions in infra/local/emulator.py. Each addition is tested here by
behaviour, with a control that shows the test can fail."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.project import REPO_ROOT

EMULATOR = (
    REPO_ROOT / "template" / "{% if cloud == 'aws' %}infra{% endif %}" / "local" / "emulator.py"
)
ACCOUNT = "123456789012"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dayone_template_emulator", EMULATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


emulator_module = _load()


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    with emulator_module.running_emulator() as running:
        yield running


def _admin(emulator: Any, service: str) -> Any:
    return emulator.client(service, access_key=ACCOUNT, secret_key=ACCOUNT)


def _denied(call: Callable[[], Any]) -> bool:
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"] in {"AccessDenied", "403"}
    return False


@pytest.mark.parametrize(
    ("conditions", "context", "holds"),
    [
        ({"StringEquals": {"k": "a"}}, {"k": "a"}, True),
        ({"StringEquals": {"k": ["a", "b"]}}, {"k": "b"}, True),
        ({"StringEquals": {"k": "a"}}, {"k": "A"}, False),
        ({"StringLike": {"k": "repo:o/r:*"}}, {"k": "repo:o/r:ref:refs/heads/main"}, True),
        ({"StringLike": {"k": "repo:o/r:*"}}, {"k": "repo:o/rx:ref"}, False),
        ({"StringLike": {"k": "a?c"}}, {"k": "abc"}, True),
        ({"ArnLike": {"k": "arn:aws:iam::*:role/x-*"}}, {"k": "arn:aws:iam::1:role/x-y"}, True),
        ({"ArnNotLike": {"k": "arn:aws:iam::*:role/x-*"}}, {"k": "arn:aws:iam::1:role/x-y"}, False),
        ({"Bool": {"aws:SecureTransport": "false"}}, {}, False),  # absent key: no match
        ({"BoolIfExists": {"aws:SecureTransport": "false"}}, {}, True),
        ({"Null": {"k": "true"}}, {}, True),
        ({"Null": {"k": "true"}}, {"k": "v"}, False),
        ({"NumericLessThan": {"k": "3"}}, {"k": "1"}, False),  # unknown operator: no guess
        ({"StringEquals": {"a": "1"}, "StringLike": {"b": "x*"}}, {"a": "1", "b": "xy"}, True),
        ({"StringEquals": {"a": "1"}, "StringLike": {"b": "x*"}}, {"a": "1", "b": "y"}, False),
    ],
)
def test_conditions_follow_aws_semantics(
    conditions: dict[str, Any], context: dict[str, str], holds: bool
) -> None:
    assert emulator_module.conditions_hold(conditions, context) is holds


def test_budget_subscribers_and_tags_are_answered(emulator: Any) -> None:
    budgets = _admin(emulator, "budgets")
    notification = {
        "NotificationType": "ACTUAL",
        "ComparisonOperator": "GREATER_THAN",
        "Threshold": 80.0,
        "ThresholdType": "PERCENTAGE",
    }
    budgets.create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": "b-monthly",
            "BudgetType": "COST",
            "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": "50", "Unit": "USD"},
            "CostFilters": {"TagKeyValue": ["user:cost-scope$p/dev"]},
        },
        NotificationsWithSubscribers=[
            {
                "Notification": notification,
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "a@example.com"}],
            }
        ],
        ResourceTags=[{"Key": "project", "Value": "p"}],
    )
    subscribers = budgets.describe_subscribers_for_notification(
        AccountId=ACCOUNT, BudgetName="b-monthly", Notification=notification
    )["Subscribers"]
    assert subscribers == [{"SubscriptionType": "EMAIL", "Address": "a@example.com"}]
    other = {**notification, "Threshold": 100.0}
    assert (
        budgets.describe_subscribers_for_notification(
            AccountId=ACCOUNT, BudgetName="b-monthly", Notification=other
        )["Subscribers"]
        == []
    )
    arn = f"arn:aws:budgets::{ACCOUNT}:budget/b-monthly"
    assert budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] == [
        {"Key": "project", "Value": "p"}
    ]
    budgets.untag_resource(ResourceARN=arn, ResourceTagKeys=["project"])
    assert budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] == []
    budgets.delete_budget(AccountId=ACCOUNT, BudgetName="b-monthly")


def test_a_versioned_bucket_with_delete_markers_can_be_emptied(emulator: Any) -> None:
    s3 = _admin(emulator, "s3")
    s3.create_bucket(Bucket="markers")
    s3.put_bucket_versioning(Bucket="markers", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="markers", Key="state", Body=b"1")
    s3.delete_object(Bucket="markers", Key="state")  # leaves a delete marker
    versions = s3.list_object_versions(Bucket="markers")
    for item in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        s3.delete_object(Bucket="markers", Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket="markers")


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_enforced_iam_follows_resources_conditions_and_boundaries(emulator: Any) -> None:
    iam, s3 = _admin(emulator, "iam"), _admin(emulator, "s3")
    s3.create_bucket(Bucket="p-prod-raw")
    s3.put_bucket_policy(
        Bucket="p-prod-raw",
        Policy=_policy(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::p-prod-raw", "arn:aws:s3:::p-prod-raw/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ),
    )
    s3.put_object(Bucket="p-prod-raw", Key="rows.csv", Body=b"a\n")
    boundary = iam.create_policy(
        PolicyName="p-boundary",
        PolicyDocument=_policy(
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket", "iam:*"],
                "Resource": "*",
            }
        ),
    )["Policy"]["Arn"]
    iam.create_policy(
        PolicyName="p-own",
        PolicyDocument=_policy({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}),
    )
    iam.create_policy(
        PolicyName="q-other",
        PolicyDocument=_policy({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}),
    )
    iam.create_role(
        RoleName="p-actor",
        AssumeRolePolicyDocument=_policy(
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            }
        ),
        PermissionsBoundary=boundary,
    )
    iam.put_role_policy(
        RoleName="p-actor",
        PolicyName="grants",
        PolicyDocument=_policy(
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::p-prod-raw", "arn:aws:s3:::p-prod-raw/*"],
            },
            {
                "Effect": "Allow",
                "Action": "iam:CreatePolicyVersion",
                "Resource": f"arn:aws:iam::{ACCOUNT}:policy/p-*",
            },
            {
                "Effect": "Allow",
                "Action": "iam:CreateRole",
                "Resource": f"arn:aws:iam::{ACCOUNT}:role/p-*",
                "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}},
            },
        ),
    )
    iam.create_user(UserName="developer")
    iam.put_user_policy(
        UserName="developer",
        PolicyName="assume",
        PolicyDocument=_policy(
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{ACCOUNT}:role/p-actor",
            }
        ),
    )
    key = iam.create_access_key(UserName="developer")["AccessKey"]
    user = {"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}
    trust = _policy(
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "codebuild.amazonaws.com"},
        }
    )
    emulator.enforce_iam(True)
    try:
        creds = emulator.client("sts", **user).assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/p-actor", RoleSessionName="probe"
        )["Credentials"]
        actor = {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "session_token": creds["SessionToken"],
        }
        actor_s3, actor_iam = emulator.client("s3", **actor), emulator.client("iam", **actor)
        # The TLS-only deny has a condition the plain-HTTP emulator does not set: it does not apply.
        assert actor_s3.get_object(Bucket="p-prod-raw", Key="rows.csv")["Body"].read() == b"a\n"
        # The role's policy allows PutObject; its boundary does not.
        assert _denied(lambda: actor_s3.put_object(Bucket="p-prod-raw", Key="x", Body=b"x"))
        # Resource ARNs of policies are resolved: its own project's policy yes, another's no.
        document = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
        actor_iam.create_policy_version(
            PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/p-own", PolicyDocument=document
        )
        assert _denied(
            lambda: actor_iam.create_policy_version(
                PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/q-other", PolicyDocument=document
            )
        )
        # iam:PermissionsBoundary is a condition key of CreateRole.
        assert _denied(
            lambda: actor_iam.create_role(RoleName="p-unbounded", AssumeRolePolicyDocument=trust)
        )
        actor_iam.create_role(
            RoleName="p-bounded", AssumeRolePolicyDocument=trust, PermissionsBoundary=boundary
        )
        # A principal with no grant at all is refused: enforcement is on.
        assert _denied(
            lambda: emulator.client("s3", **user).get_object(Bucket="p-prod-raw", Key="rows.csv")
        )
    finally:
        emulator.enforce_iam(False)
