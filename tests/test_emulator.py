"""The local AWS emulator that generated projects apply their infrastructure on: moto's
server plus the additions in infra/local/emulator.py. Each addition is tested here by
behaviour, with a control that shows the test can fail."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
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


# ---- What AWS authorizes a call on (iam_authorization.py), under enforcement --------------

authorization = sys.modules["iam_authorization"]  # loaded beside emulator.py


@pytest.mark.parametrize(
    ("method", "path", "resource", "expected"),
    [
        ("PUT", "/b?encryption", "arn:aws:s3:::b", ("s3:PutEncryptionConfiguration", "arn:aws:s3:::b")),
        ("GET", "/b?encryption", "arn:aws:s3:::b", ("s3:GetEncryptionConfiguration", "arn:aws:s3:::b")),
        ("DELETE", "/b?encryption", "arn:aws:s3:::b", ("s3:PutEncryptionConfiguration", "arn:aws:s3:::b")),
        ("GET", "/b?list-type=2", "arn:aws:s3:::b", ("s3:ListBucket", "arn:aws:s3:::b")),
        ("GET", "/b?versions", "arn:aws:s3:::b", ("s3:ListBucketVersions", "arn:aws:s3:::b")),
        ("PUT", "/b?publicAccessBlock", "arn:aws:s3:::b", ("s3:PutBucketPublicAccessBlock", "arn:aws:s3:::b")),
        ("PUT", "/b", "arn:aws:s3:::b", ("s3:CreateBucket", "arn:aws:s3:::b")),
        ("POST", "/b?delete", "arn:aws:s3:::b", ("s3:DeleteObject", "arn:aws:s3:::b/*")),
        ("GET", "/b/k?versionId=1", "arn:aws:s3:::b/k", ("s3:GetObjectVersion", "arn:aws:s3:::b/k")),
        ("DELETE", "/b/k?versionId=1", "arn:aws:s3:::b/k", ("s3:DeleteObjectVersion", "arn:aws:s3:::b/k")),
        ("PUT", "/b/k?partNumber=1&uploadId=u", "arn:aws:s3:::b/k", ("s3:PutObject", "arn:aws:s3:::b/k")),
        ("GET", "/", "arn:aws:s3:::*", ("s3:ListAllMyBuckets", "*")),
    ],
)  # fmt: skip
def test_s3_requests_are_named_as_iam_authorizes_them(
    method: str, path: str, resource: str, expected: tuple[str, str]
) -> None:
    assert authorization.s3_request(method, path, resource) == expected


@pytest.mark.parametrize(
    ("service", "operation", "params", "expected"),
    [
        ("ecr", "CreateRepository", {"repositoryName": "p/dev"}, "arn:aws:ecr:eu-west-1:1:repository/p/dev"),
        ("ecr", "DescribeRepositories", {"repositoryNames": ["p/dev"]}, "arn:aws:ecr:eu-west-1:1:repository/p/dev"),
        ("ecr", "GetAuthorizationToken", {}, "*"),
        ("codebuild", "BatchGetProjects", {"names": ["arn:aws:codebuild:eu-west-1:1:project/x"]}, "arn:aws:codebuild:eu-west-1:1:project/x"),
        ("codebuild", "StartBuild", {"projectName": "x"}, "arn:aws:codebuild:eu-west-1:1:project/x"),
        ("codebuild", "BatchGetBuilds", {"ids": ["x:1234"]}, "arn:aws:codebuild:eu-west-1:1:project/x"),
        ("logs", "CreateLogGroup", {"logGroupName": "/aws/codebuild/x"}, "arn:aws:logs:eu-west-1:1:log-group:/aws/codebuild/x:*"),
        ("logs", "DescribeLogGroups", {"logGroupNamePrefix": "/aws"}, "arn:aws:logs:eu-west-1:1:log-group:*"),
        ("budgets", "CreateBudget", {"AccountId": "2", "Budget": {"BudgetName": "b"}}, "arn:aws:budgets::2:budget/b"),
        ("sagemaker", "CreateTrainingJob", {"TrainingJobName": "P--dev-train-1"}, "arn:aws:sagemaker:eu-west-1:1:training-job/p--dev-train-1"),
        ("kms", "Decrypt", {}, "*"),
    ],
)  # fmt: skip
def test_calls_are_authorized_on_the_arn_aws_uses(
    service: str, operation: str, params: dict[str, Any], expected: str
) -> None:
    assert authorization.resource_arn(service, operation, params, "1", "eu-west-1") == expected


@pytest.mark.parametrize(
    ("operation", "action"),
    [
        ("CreateBudget", "budgets:ModifyBudget"),
        ("DeleteNotification", "budgets:ModifyBudget"),
        ("DescribeSubscribersForNotification", "budgets:ViewBudget"),
        ("ListTagsForResource", "budgets:ListTagsForResource"),
    ],
)
def test_budget_calls_are_authorized_as_their_iam_actions(operation: str, action: str) -> None:
    assert authorization.iam_action("budgets", operation) == action


def _role_session(emulator: Any, name: str, *statements: dict[str, Any]) -> dict[str, str]:
    """A role of the default account with these inline statements, assumed by the admin
    (made while IAM is not enforced)."""
    iam = _admin(emulator, "iam")
    iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=_policy(
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}
        ),
    )  # fmt: skip
    iam.put_role_policy(RoleName=name, PolicyName="grants", PolicyDocument=_policy(*statements))
    found = _admin(emulator, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}", RoleSessionName="probe"
    )["Credentials"]
    return {
        "access_key": found["AccessKeyId"],
        "secret_key": found["SecretAccessKey"],
        "session_token": found["SessionToken"],
    }


@contextmanager
def _enforced(emulator: Any) -> Iterator[None]:
    emulator.admin_credentials(ACCOUNT)  # the admin keeps working under enforcement
    emulator.enforce_iam(True)
    try:
        yield
    finally:
        emulator.enforce_iam(False)


def _refusal(call: Callable[[], Any]) -> str:
    """The refusal's message ("" when the call was allowed)."""
    try:
        call()
    except ClientError as error:
        assert error.response["Error"]["Code"] in {"AccessDenied", "AccessDeniedException"}, error
        return str(error.response["Error"]["Message"])
    return ""


def test_resource_scoped_policies_mean_on_the_emulator_what_they_mean_on_aws(emulator: Any) -> None:
    """A role allowed ECR, CodeBuild, Logs and Budgets calls on one environment's names: the
    same calls on another environment's are refused, naming the action and the resource."""
    region = "us-east-1"
    arn = f"{region}:{ACCOUNT}"
    session = _role_session(
        emulator,
        "scoped-deployer",
        {"Effect": "Allow", "Action": ["ecr:CreateRepository", "ecr:DescribeRepositories"],
         "Resource": f"arn:aws:ecr:{arn}:repository/p/dev"},
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup"],
         "Resource": f"arn:aws:logs:{arn}:log-group:/aws/codebuild/p--dev-image:*"},
        {"Effect": "Allow", "Action": ["budgets:ModifyBudget", "budgets:ViewBudget"],
         "Resource": f"arn:aws:budgets::{ACCOUNT}:budget/p--dev-*"},
        {"Effect": "Allow", "Action": ["s3:CreateBucket", "s3:PutEncryptionConfiguration"],
         "Resource": "arn:aws:s3:::p--dev-*"},
    )  # fmt: skip
    ecr, logs = emulator.client("ecr", **session), emulator.client("logs", **session)
    budgets, s3 = emulator.client("budgets", **session), emulator.client("s3", **session)
    budget = {
        "BudgetType": "COST",
        "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": "1", "Unit": "USD"},
    }
    encryption = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    with _enforced(emulator):
        allowed = {
            "ecr": _refusal(lambda: ecr.create_repository(repositoryName="p/dev")),
            "logs": _refusal(lambda: logs.create_log_group(logGroupName="/aws/codebuild/p--dev-image")),
            "budgets": _refusal(lambda: budgets.create_budget(
                AccountId=ACCOUNT, Budget={"BudgetName": "p--dev-monthly", **budget})),
            "s3": _refusal(lambda: s3.create_bucket(Bucket="p--dev-raw")),
            "s3 encryption": _refusal(lambda: s3.put_bucket_encryption(
                Bucket="p--dev-raw", ServerSideEncryptionConfiguration=encryption)),
        }  # fmt: skip
        refused = {
            "ecr": _refusal(lambda: ecr.create_repository(repositoryName="p/prod")),
            "logs": _refusal(lambda: logs.create_log_group(logGroupName="/aws/codebuild/p--prod-image")),
            "budgets": _refusal(lambda: budgets.describe_budget(AccountId=ACCOUNT, BudgetName="p--prod-monthly")),
            "s3 versioning": _refusal(lambda: s3.put_bucket_versioning(
                Bucket="p--dev-raw", VersioningConfiguration={"Status": "Enabled"})),
        }  # fmt: skip
    assert allowed == dict.fromkeys(allowed, ""), allowed
    assert refused["ecr"].endswith(
        f"ecr:CreateRepository on resource: arn:aws:ecr:{arn}:repository/p/prod "
        "because no identity-based policy allows the ecr:CreateRepository action"
    ), refused
    assert (
        f"logs:CreateLogGroup on resource: arn:aws:logs:{arn}:log-group:/aws/codebuild/p--prod-image:*"
        in refused["logs"]
    )
    assert (
        f"budgets:ViewBudget on resource: arn:aws:budgets::{ACCOUNT}:budget/p--prod-monthly"
        in refused["budgets"]
    )
    # moto alone names this call s3:PutBucketVersioning too, but on CreateBucket's rules for
    # other bucket settings: the encryption call above needed its own IAM action.
    assert "s3:PutBucketVersioning on resource: arn:aws:s3:::p--dev-raw" in refused["s3 versioning"]


def test_passing_a_role_needs_pass_role_for_that_role_and_service(emulator: Any) -> None:
    """CreateTrainingJob and CreateProject hand a role to SageMaker or CodeBuild: AWS also
    authorizes iam:PassRole on it with iam:PassedToService, and so does the emulator."""
    iam = _admin(emulator, "iam")
    trust = _policy(
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
        }
    )
    for name in ("pass-training", "pass-other"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    training = f"arn:aws:iam::{ACCOUNT}:role/pass-training"
    session = _role_session(
        emulator,
        "pass-trainer",
        {"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob",
         "Resource": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/p--dev-train-*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": training,
         "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
        {"Effect": "Allow", "Action": "codebuild:CreateProject", "Resource": "*"},
    )  # fmt: skip
    sagemaker, codebuild = (
        emulator.client("sagemaker", **session),
        emulator.client("codebuild", **session),
    )

    def job(name: str, role: str) -> Any:
        return sagemaker.create_training_job(
            TrainingJobName=name,
            AlgorithmSpecification={"TrainingImage": "i", "TrainingInputMode": "File"},
            RoleArn=role,
            OutputDataConfig={"S3OutputPath": "s3://b/jobs/"},
            ResourceConfig={
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 30,
            },
            StoppingCondition={"MaxRuntimeInSeconds": 60},
        )

    with _enforced(emulator):
        control = _refusal(lambda: job("p--dev-train-1", training))
        other_role = _refusal(
            lambda: job("p--dev-train-2", training.replace("pass-training", "pass-other"))
        )
        other_job = _refusal(lambda: job("p--prod-train-1", training))
        to_codebuild = _refusal(
            lambda: codebuild.create_project(
                name="p--dev-image",
                source={"type": "NO_SOURCE", "buildspec": "version: 0.2"},
                artifacts={"type": "NO_ARTIFACTS"},
                serviceRole=training,
                environment={
                    "type": "LINUX_CONTAINER",
                    "image": "i",
                    "computeType": "BUILD_GENERAL1_SMALL",
                },
            )
        )
    assert control == ""
    assert (
        f"iam:PassRole on resource: {training.replace('pass-training', 'pass-other')}" in other_role
    )
    assert "sagemaker:CreateTrainingJob on resource" in other_job
    # The same role, passed to another service: the condition on iam:PassedToService fails.
    assert f"iam:PassRole on resource: {training}" in to_codebuild


def _github_provider(emulator: Any, account: str = ACCOUNT) -> str:
    iam = emulator.client("iam", access_key=account, secret_key=account)
    return str(
        iam.create_open_id_connect_provider(
            Url="https://token.actions.githubusercontent.com",
            ClientIDList=["sts.amazonaws.com"],
            ThumbprintList=["a" * 40],
        )["OpenIDConnectProviderArn"]
    )


def test_web_identity_needs_the_provider_the_audience_and_the_trust(emulator: Any) -> None:
    """AssumeRoleWithWebIdentity as STS checks it: the token's issuer is an OIDC provider of
    the role's account, its audience a client ID of that provider, and the role's trust
    allows that provider with conditions that hold for the token's aud and sub."""
    provider = _github_provider(emulator)
    host = "token.actions.githubusercontent.com"
    trust = _policy(
        {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": provider},
         "Condition": {"StringEquals": {f"{host}:aud": "sts.amazonaws.com", f"{host}:sub": "repo:o/r:environment:prod"}}},
    )  # fmt: skip
    _admin(emulator, "iam").create_role(RoleName="wi-prod-deploy", AssumeRolePolicyDocument=trust)
    other_account = "100000000009"
    emulator.client("iam", access_key=other_account).create_role(
        RoleName="wi-prod-deploy", AssumeRolePolicyDocument=trust
    )
    role = f"arn:aws:iam::{ACCOUNT}:role/wi-prod-deploy"
    token = emulator_module.web_identity_token

    def outcome(role_arn: str, jwt: str) -> str:
        try:
            emulator.assume_role_with_web_identity(role_arn, jwt, "session")
        except ClientError as error:
            return str(error.response["Error"]["Code"])
        return "assumed"

    issuer = "https://token.actions.githubusercontent.com"
    prod = "repo:o/r:environment:prod"
    with _enforced(emulator):
        found = {
            "the prod job": outcome(role, token(issuer, "sts.amazonaws.com", prod)),
            "the dev job": outcome(role, token(issuer, "sts.amazonaws.com", "repo:o/r:environment:dev")),
            "a fork's prod job": outcome(role, token(issuer, "sts.amazonaws.com", "repo:o/r-fork:environment:prod")),
            "an audience the provider does not list": outcome(role, token(issuer, "other", prod)),
            "an issuer with no provider": outcome(role, token("https://gitlab.com", "sts.amazonaws.com", prod)),
            "an expired token": outcome(role, token(issuer, "sts.amazonaws.com", prod, lifetime=-60)),
            "the role of an account without the provider": outcome(
                role.replace(ACCOUNT, other_account), token(issuer, "sts.amazonaws.com", prod)),
        }  # fmt: skip
    assert found == {
        "the prod job": "assumed",
        "the dev job": "AccessDenied",
        "a fork's prod job": "AccessDenied",
        "an audience the provider does not list": "InvalidIdentityToken",
        "an issuer with no provider": "InvalidIdentityToken",
        "an expired token": "ExpiredTokenException",
        "the role of an account without the provider": "InvalidIdentityToken",
    }


# ---- The applied-policies record (applied_policies.py) as dayone's IAM scan reads it -------


def test_the_applied_record_is_what_the_iam_scan_reads(emulator: Any, tmp_path: Path) -> None:
    """infra/local writes <env>.applied-policies.json and dayone's scan reads it
    (iam_scan.applied_documents): every document is named as its Terraform resource names it
    (so it meets its planned twin and that twin's skips), and a trust or inline policy knows
    its role. Control: another environment's role and a bucket without a policy stay out."""
    from tests.support.iam_scan import iam_scan

    spec = importlib.util.spec_from_file_location(
        "dayone_template_applied_policies", EMULATOR.with_name("applied_policies.py")
    )
    assert spec is not None and spec.loader is not None
    writer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(writer)
    iam, s3 = _admin(emulator, "iam"), _admin(emulator, "s3")
    service = _policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "sagemaker.amazonaws.com"}}
    )  # fmt: skip
    reads = _policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::r--dev-raw/*"})  # fmt: skip
    for role in ("r--dev-training", "r--dev-deploy", "r--prod-training"):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=service)
    iam.put_role_policy(RoleName="r--dev-training", PolicyName="r--dev-training-access", PolicyDocument=reads)  # fmt: skip
    iam.put_role_policy(RoleName="r--prod-training", PolicyName="r--prod-training-access", PolicyDocument=reads)  # fmt: skip
    managed = iam.create_policy(PolicyName="r--dev-deploy", PolicyDocument=reads)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="r--dev-deploy", PolicyArn=managed)
    for bucket in ("r--dev-raw", "r--dev-models"):
        s3.create_bucket(Bucket=bucket)
    tls_only = _policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::r--dev-raw/*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    )  # fmt: skip
    s3.put_bucket_policy(Bucket="r--dev-raw", Policy=tls_only)

    record = tmp_path / f"dev{iam_scan.APPLIED_SUFFIX}"
    record.write_text(json.dumps(writer.applied_policies(iam, s3, "r--dev-")), encoding="utf-8")
    read = {(d.kind, d.name, d.role) for d in iam_scan.applied_documents(record)}
    assert read == {
        ("trust", "r--dev-training", "r--dev-training"),
        ("identity", "r--dev-training-access", "r--dev-training"),
        ("trust", "r--dev-deploy", "r--dev-deploy"),
        ("identity", "r--dev-deploy", None),
        ("resource", "r--dev-raw", None),
    }, read
    # Each meets the document a plan names the same way, and takes its data block's skips.
    block = iam_scan.DataBlock("modules/ml_iam", "this")
    planned = [
        iam_scan.PolicyDocument("module.training.aws_iam_role_policy.this", "identity", "r--dev-training-access", None, (block,)),
        iam_scan.PolicyDocument("aws_iam_policy.deploy", "identity", "r--dev-deploy", {"Statement": []}),
        iam_scan.PolicyDocument('module.lake.aws_s3_bucket_policy.this["raw"]', "resource", 'module.lake.aws_s3_bucket_policy.this["raw"]', None),
    ]  # fmt: skip
    merged = iam_scan.with_applied(planned, iam_scan.applied_documents(record))
    assert all(d.applied for d in merged), [d.address for d in merged if not d.applied]
    inline = next(d for d in merged if d.name == "r--dev-training-access")
    assert inline.sources == (block,)
