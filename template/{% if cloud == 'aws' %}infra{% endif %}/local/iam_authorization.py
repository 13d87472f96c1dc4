"""What AWS authorizes a request on, for the emulator's IAM enforcement (emulator.py): the
IAM action, the resource ARN, the condition keys, the roles it passes, and who may assume a
role with an OIDC token. Plain functions of the request, no moto: emulator.py applies them.

moto evaluates most services' calls against the resource "*" and names some calls by their
API operation rather than their IAM action; AWS authorizes, for example, `CreateBudget` as
`budgets:ModifyBudget` on `arn:aws:budgets::<account>:budget/<name>`, and S3's
`PutBucketEncryption` as `s3:PutEncryptionConfiguration` on the bucket. Policies scoped to
resources only mean on the emulator what they mean on AWS once each call is mapped here.

Covered: the calls this project's stack, its CI jobs and its training make (S3, ECR,
CodeBuild, CloudWatch Logs, Budgets, IAM, STS, SageMaker training jobs, ECS clusters, tasks
and task definitions, EC2 security groups). A call of another service keeps moto's "*".
"""

from __future__ import annotations

import base64
import fnmatch
import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

# ---- Condition operators ------------------------------------------------------------------


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcard match: `*` any run of characters, `?` exactly one."""
    pattern = pattern.replace("[", "[[]")
    if ignore_case:
        return fnmatch.fnmatchcase(value.lower(), pattern.lower())
    return fnmatch.fnmatchcase(value, pattern)


OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda expected, actual: actual == expected,
    "StringNotEquals": lambda expected, actual: actual != expected,
    "StringEqualsIgnoreCase": lambda expected, actual: actual.lower() == expected.lower(),
    "StringLike": wildcard_match,
    "StringNotLike": lambda expected, actual: not wildcard_match(expected, actual),
    "ArnEquals": lambda expected, actual: actual == expected,
    "ArnLike": wildcard_match,
    "ArnNotEquals": lambda expected, actual: actual != expected,
    "ArnNotLike": lambda expected, actual: not wildcard_match(expected, actual),
    "Bool": lambda expected, actual: actual.lower() == str(expected).lower(),
}


def conditions_hold(
    conditions: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]
) -> bool:
    """AWS semantics: every operator block must hold; within one, every key; for one key,
    any of its values. A key absent from the request fails the test, except under `Null`
    and the `...IfExists` operators. An operator this emulator does not know fails too, so
    nothing is allowed on a guess."""
    for operator, tests in conditions.items():
        if_exists = operator.endswith("IfExists")
        name = operator.removesuffix("IfExists")
        for key, expected in tests.items():
            values = expected if isinstance(expected, list) else [expected]
            actual = context.get(key)
            if name == "Null":
                if (actual is None) != (str(values[0]).lower() == "true"):
                    return False
                continue
            if actual is None:
                if if_exists:
                    continue
                return False
            test = OPERATORS.get(name)
            if test is None:
                return False
            negated = "Not" in name
            matches = [test(str(value), actual) for value in values]
            if not (all(matches) if negated else any(matches)):
                return False
    return True


# ---- The request's parameters and condition keys -----------------------------------------


def request_parameters(data: Mapping[str, Any] | None, body: bytes | str | None) -> dict[str, Any]:
    """A call's parameters: query or form values (moto keeps lists of one) and a JSON body."""
    params: dict[str, Any] = {}
    for key, value in (data or {}).items():
        params[key] = value[0] if isinstance(value, list) and len(value) == 1 else value
    if body:
        try:
            loaded = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            loaded = None
        if isinstance(loaded, dict):
            params.update(loaded)
    return params


def request_tags(params: Mapping[str, Any]) -> dict[str, str]:
    """The tags a creating call gives its resource: ECS's `tags` ([{key, value}]) or EC2's
    `TagSpecification.N.Tag.M.Key/Value` query parameters."""
    tags: dict[str, str] = {}
    listed = params.get("tags")
    if isinstance(listed, list):
        for tag in listed:
            if isinstance(tag, dict) and "key" in tag:
                tags[str(tag["key"])] = str(tag.get("value", ""))
    for name, value in params.items():
        if name.startswith("TagSpecification.") and name.endswith(".Key"):
            tags[str(value)] = str(params.get(name.removesuffix(".Key") + ".Value", ""))
    return tags


def condition_keys(params: Mapping[str, Any]) -> dict[str, str]:
    """The IAM condition keys a request carries, from its parameters."""
    context = {}
    for parameter, key in (
        ("PolicyArn", "iam:PolicyARN"),
        ("PermissionsBoundary", "iam:PermissionsBoundary"),
    ):
        value = params.get(parameter)
        if isinstance(value, str):
            context[key] = value
    context.update({f"aws:RequestTag/{k}": v for k, v in request_tags(params).items()})
    return context


def ecs_cluster_arn(cluster: str | None, account: str, region: str) -> str | None:
    """ECS names a cluster by name or ARN; IAM by ARN (no cluster: the account's default)."""
    if cluster and cluster.startswith("arn:"):
        return cluster
    return f"arn:aws:ecs:{region}:{account}:cluster/{cluster or 'default'}"


def ecs_condition_keys(
    operation: str, params: Mapping[str, Any], account: str, region: str
) -> dict[str, str]:
    """`ecs:cluster` of the calls that act in a cluster (RunTask, DescribeTasks, StopTask)."""
    if operation in ("RunTask", "StartTask", "DescribeTasks", "StopTask"):
        arn = ecs_cluster_arn(_first(params.get("cluster")), account, region)
        return {"ecs:cluster": arn} if arn else {}
    return {}


# ---- IAM action names ---------------------------------------------------------------------

# Budgets' API operations are authorized by two IAM actions (and its tagging ones).
_BUDGETS_VIEW = ("Describe",)
_BUDGETS_MODIFY = ("Create", "Update", "Delete")


def iam_action(service: str, operation: str) -> str:
    """The IAM action AWS authorizes an API operation of `service` as."""
    if service == "budgets" and not operation.endswith("Resource"):
        if operation.startswith(_BUDGETS_VIEW):
            return "budgets:ViewBudget"
        if operation.startswith(_BUDGETS_MODIFY):
            return "budgets:ModifyBudget"
    return f"{service}:{operation}"


# S3 subresources (the query parameter that names them) and their IAM actions, by method.
_S3_BUCKET = {
    "GET": {
        "accelerate": "GetAccelerateConfiguration",
        "acl": "GetBucketAcl",
        "analytics": "GetAnalyticsConfiguration",
        "cors": "GetBucketCORS",
        "encryption": "GetEncryptionConfiguration",
        "intelligent-tiering": "GetIntelligentTieringConfiguration",
        "inventory": "GetInventoryConfiguration",
        "lifecycle": "GetLifecycleConfiguration",
        "location": "GetBucketLocation",
        "logging": "GetBucketLogging",
        "metrics": "GetMetricsConfiguration",
        "notification": "GetBucketNotification",
        "object-lock": "GetBucketObjectLockConfiguration",
        "ownershipControls": "GetBucketOwnershipControls",
        "policy": "GetBucketPolicy",
        "policyStatus": "GetBucketPolicyStatus",
        "publicAccessBlock": "GetBucketPublicAccessBlock",
        "replication": "GetReplicationConfiguration",
        "requestPayment": "GetBucketRequestPayment",
        "tagging": "GetBucketTagging",
        "uploads": "ListBucketMultipartUploads",
        "versioning": "GetBucketVersioning",
        "versions": "ListBucketVersions",
        "website": "GetBucketWebsite",
        "": "ListBucket",
    },
    "HEAD": {"": "ListBucket"},
    "PUT": {
        "accelerate": "PutAccelerateConfiguration",
        "acl": "PutBucketAcl",
        "cors": "PutBucketCORS",
        "encryption": "PutEncryptionConfiguration",
        "lifecycle": "PutLifecycleConfiguration",
        "logging": "PutBucketLogging",
        "notification": "PutBucketNotification",
        "object-lock": "PutBucketObjectLockConfiguration",
        "ownershipControls": "PutBucketOwnershipControls",
        "policy": "PutBucketPolicy",
        "publicAccessBlock": "PutBucketPublicAccessBlock",
        "replication": "PutReplicationConfiguration",
        "requestPayment": "PutBucketRequestPayment",
        "tagging": "PutBucketTagging",
        "versioning": "PutBucketVersioning",
        "website": "PutBucketWebsite",
        "": "CreateBucket",
    },
    "DELETE": {
        "cors": "PutBucketCORS",
        "encryption": "PutEncryptionConfiguration",
        "lifecycle": "PutLifecycleConfiguration",
        "ownershipControls": "PutBucketOwnershipControls",
        "policy": "DeleteBucketPolicy",
        "publicAccessBlock": "PutBucketPublicAccessBlock",
        "replication": "PutReplicationConfiguration",
        "tagging": "PutBucketTagging",
        "website": "DeleteBucketWebsite",
        "": "DeleteBucket",
    },
    # DeleteObjects: s3:DeleteObject, on the bucket's objects (see s3_request).
    "POST": {"delete": "DeleteObject", "": "PutObject"},
}
_S3_OBJECT = {
    "GET": {
        "acl": "GetObjectAcl",
        "attributes": "GetObjectAttributes",
        "legal-hold": "GetObjectLegalHold",
        "retention": "GetObjectRetention",
        "tagging": "GetObjectTagging",
        "uploadId": "ListMultipartUploadParts",
        "versionId": "GetObjectVersion",
        "": "GetObject",
    },
    "HEAD": {"versionId": "GetObjectVersion", "": "GetObject"},
    "PUT": {
        "acl": "PutObjectAcl",
        "legal-hold": "PutObjectLegalHold",
        "retention": "PutObjectRetention",
        "tagging": "PutObjectTagging",
        "": "PutObject",
    },
    "DELETE": {
        "tagging": "DeleteObjectTagging",
        "uploadId": "AbortMultipartUpload",
        "versionId": "DeleteObjectVersion",
        "": "DeleteObject",
    },
    "POST": {"restore": "RestoreObject", "select": "GetObject", "": "PutObject"},
}


def s3_request(method: str, path: str, resource: str) -> tuple[str, str]:
    """(IAM action, resource) of an S3 request, from its method, query and the bucket or
    object ARN moto resolved (moto names several calls by their API operation, and some
    bucket settings by CreateBucket or DeleteBucket)."""
    if resource in ("arn:aws:s3:::*", "*") or resource.endswith(":::*"):
        return "s3:ListAllMyBuckets", "*"
    query = parse_qs(urlsplit(path).query, keep_blank_values=True)
    is_object = "/" in resource.split(":::", 1)[-1]
    table = (_S3_OBJECT if is_object else _S3_BUCKET).get(method.upper(), {})
    # The most specific subresource wins (an object version's ACL is its ACL call).
    for parameter, action in table.items():
        if parameter and parameter in query:
            if not is_object and parameter == "delete":
                return f"s3:{action}", f"{resource}/*"
            return f"s3:{action}", resource
    return f"s3:{table.get('', 'ListBucket')}", resource


# ---- Resource ARNs ------------------------------------------------------------------------


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        return str(value[0]) if value else None
    return None if value is None else str(value)


def resource_arn(
    service: str, operation: str, params: Mapping[str, Any], account: str, region: str
) -> str:
    """The ARN AWS authorizes `operation` of `service` on ("*" where AWS does too, or for a
    service this module does not map)."""
    partition = "aws"

    def arn(service_name: str, rest: str, *, region_name: str = region, acct: str = account) -> str:
        return f"arn:{partition}:{service_name}:{region_name}:{acct}:{rest}"

    if service == "ecr":
        if operation == "GetAuthorizationToken":
            return "*"
        if params.get("resourceArn"):
            return str(params["resourceArn"])
        registry = str(params.get("registryId") or account)
        name = _first(params.get("repositoryName")) or _first(params.get("repositoryNames"))
        return arn("ecr", f"repository/{name or '*'}", acct=registry)
    if service == "codebuild":
        if operation == "BatchGetBuilds":
            build = _first(params.get("ids")) or ""
            return arn("codebuild", f"project/{build.split(':', 1)[0] or '*'}")
        name = (
            _first(params.get("name"))
            or _first(params.get("projectName"))
            or _first(params.get("names"))
        )
        if name and name.startswith("arn:"):  # projects may be named by their ARN
            return name
        return arn("codebuild", f"project/{name}") if name else "*"
    if service == "logs":
        if params.get("resourceArn"):
            return str(params["resourceArn"])
        group = _first(params.get("logGroupName")) or _first(params.get("logGroupIdentifier"))
        stream = _first(params.get("logStreamName"))
        if group and stream:
            return arn("logs", f"log-group:{group}:log-stream:{stream}")
        return arn("logs", f"log-group:{group}:*" if group else "log-group:*")
    if service == "budgets":
        if params.get("ResourceARN"):
            return str(params["ResourceARN"])
        budget = params.get("Budget") if isinstance(params.get("Budget"), dict) else {}
        name = _first(params.get("BudgetName")) or (budget or {}).get("BudgetName")
        owner = str(params.get("AccountId") or account)
        return f"arn:{partition}:budgets::{owner}:budget/{name or '*'}"
    if service == "ecs":
        if params.get("resourceArn"):
            return str(params["resourceArn"])
        if operation == "RunTask":
            definition = _first(params.get("taskDefinition")) or "*"
            if definition.startswith("arn:"):
                return definition
            return arn("ecs", f"task-definition/{definition}")
        if operation in ("DescribeTasks", "StopTask"):
            task = _first(params.get("task")) or _first(params.get("tasks")) or "*"
            if task.startswith("arn:"):
                return task
            cluster = ecs_cluster_arn(_first(params.get("cluster")), account, region) or ""
            return arn("ecs", f"task/{cluster.rsplit('/', 1)[-1]}/{task}")
        cluster = _first(params.get("cluster")) or _first(params.get("clusters"))
        if cluster and operation != "CreateCluster":
            return ecs_cluster_arn(cluster, account, region) or "*"
        # CreateCluster, RegisterTaskDefinition, DeregisterTaskDefinition, the List calls:
        # IAM takes no resource for them.
        return "*"
    if service == "ec2":
        if operation == "CreateSecurityGroup":
            return arn("ec2", "security-group/*")
        group = _first(params.get("GroupId"))
        if group and not operation.startswith("Describe"):
            return arn("ec2", f"security-group/{group}")
        return "*"
    if service == "sagemaker":
        if params.get("ResourceArn"):
            return str(params["ResourceArn"])
        job = _first(params.get("TrainingJobName"))
        # SageMaker ARNs hold the job name in lower case.
        return arn("sagemaker", f"training-job/{job.lower()}") if job else "*"
    return "*"


# Calls that hand a role to a service: AWS also authorizes iam:PassRole on that role, with
# the condition key iam:PassedToService naming the service.
_PASSED_ROLE_PARAMETER = {
    ("codebuild", "CreateProject"): ("serviceRole", "codebuild.amazonaws.com"),
    ("codebuild", "UpdateProject"): ("serviceRole", "codebuild.amazonaws.com"),
    ("sagemaker", "CreateTrainingJob"): ("RoleArn", "sagemaker.amazonaws.com"),
}


# A task definition names two roles, both passed to ECS tasks.
_PASSED_ROLE_PARAMETERS = {
    ("ecs", "RegisterTaskDefinition"): (
        ("taskRoleArn", "ecs-tasks.amazonaws.com"),
        ("executionRoleArn", "ecs-tasks.amazonaws.com"),
    ),
}


def passed_roles(service: str, operation: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(role ARN, service principal) of every role a call passes."""
    found = list(_PASSED_ROLE_PARAMETERS.get((service, operation), ()))
    single = _PASSED_ROLE_PARAMETER.get((service, operation))
    if single is not None:
        found.append(single)
    return [(str(params[name]), principal) for name, principal in found if params.get(name)]


# ---- OIDC web identity --------------------------------------------------------------------

WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"
# The claims AWS exposes to a trust policy as `<provider host>:<claim>` (OIDC providers).
TRUST_CLAIMS = ("aud", "sub", "amr")


class IdentityTokenRefused(Exception):
    """The token cannot be used: `code` is STS's error code, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def web_identity_token(issuer: str, audience: str, subject: str, lifetime: int = 3600) -> str:
    """A CI job's OIDC ID token as the emulator reads it: claims only. It is unsigned: the
    emulator checks issuer, audience, subject and expiry, not a signature (AWS verifies that
    against the provider's published keys, which do not exist offline)."""
    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "sub": subject, "iat": now, "exp": now + lifetime}
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def token_claims(token: str) -> dict[str, Any]:
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as error:
        raise IdentityTokenRefused("InvalidIdentityToken", f"malformed token: {error}") from None
    missing = [claim for claim in ("iss", "aud", "sub") if not claims.get(claim)]
    if not isinstance(claims, dict) or missing:
        raise IdentityTokenRefused("InvalidIdentityToken", f"the token has no {missing}")
    if float(claims.get("exp", time.time() + 1)) < time.time():
        raise IdentityTokenRefused("ExpiredTokenException", "Token expired")
    return claims


def provider_host(issuer: str) -> str:
    """An OIDC provider is named by its issuer URL without the scheme."""
    return issuer.removeprefix("https://").rstrip("/")


def trust_allows_web_identity(
    trust: Mapping[str, Any], provider_arn: str, claims: Mapping[str, Any]
) -> bool:
    """Whether a role's trust policy lets a token of `provider_arn` with these claims assume
    it: an Allow for sts:AssumeRoleWithWebIdentity whose Federated principal is that
    provider and whose conditions hold for the claims; an applicable Deny wins."""
    host = provider_arn.split(":oidc-provider/", 1)[1]
    context = {}
    for claim in TRUST_CLAIMS:
        value = claims.get(claim)
        if isinstance(value, list):
            value = value[0] if len(value) == 1 else None
        if value is not None:
            context[f"{host}:{claim}"] = str(value)
    statements = trust.get("Statement", [])
    allowed = False
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        if not any(wildcard_match(a, WEB_IDENTITY_ACTION, ignore_case=True) for a in actions):
            continue
        principal = statement.get("Principal") or {}
        federated = principal.get("Federated", []) if isinstance(principal, dict) else []
        federated = federated if isinstance(federated, list) else [federated]
        if principal != "*" and provider_arn not in federated:
            continue
        if not conditions_hold(statement.get("Condition") or {}, context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed
