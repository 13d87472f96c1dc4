"""A local AWS for this project's infrastructure: moto's server, made to answer what the
AWS provider asks of it, on 127.0.0.1, for as long as a `with` block lasts.

moto is the emulator (PyPI, pinned in pyproject's dev group, since the additions below lean
on its internals). What moto lacks and the provider calls is added here, in one place:

- Budgets: DescribeSubscribersForNotification (the provider reads the subscribers of every
  notification after creating a budget; without it the budget never finishes creating).
- IAM under enforcement: moto evaluates most calls against the resource "*", names some by
  their API operation, and ignores most condition keys. Here every call is authorized as AWS
  would (iam_authorization.py: the IAM action, the resource ARN, iam:PolicyARN,
  iam:PermissionsBoundary, and iam:PassRole with iam:PassedToService for the calls that hand
  a role to CodeBuild or SageMaker), with account-root principals in trust policies and the
  permissions boundaries of assumed roles. A refusal names the action and the resource.
- AssumeRoleWithWebIdentity: the token's issuer must be an OIDC provider of the role's
  account, its audience one of the provider's client IDs, and the role's trust policy must
  allow that provider with conditions that hold for the token's `aud` and `sub`. (moto
  itself hands out any role to any token.)
- Administrators: `admin_credentials(account)` makes an IAM user with every permission, so
  that administrators' steps (a bootstrap) keep working while IAM is enforced.

Nothing here talks to AWS: every client points at the local endpoint with fake keys.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import re
import sys
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The rules of what AWS authorizes live beside this file (plain functions, no moto).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from iam_authorization import (
    IdentityTokenRefused,
    condition_keys,
    conditions_hold,
    ecs_condition_keys,
    iam_action,
    passed_roles,
    provider_host,
    request_parameters,
    resource_arn,
    s3_request,
    token_claims,
    trust_allows_web_identity,
    web_identity_token,
    wildcard_match,
)

# moto reads these when its modules load: AWS-managed policies (ReadOnlyAccess and friends)
# must exist for attachments to apply.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")

ACCOUNT_ID = "123456789012"  # moto's default account: the one fake credentials map to
ADMIN_USER = "emulator-admin"

__all__ = [
    "ACCOUNT_ID",
    "Emulator",
    "access_key_of",
    "conditions_hold",
    "extend_moto",
    "running_emulator",
    "web_identity_token",
]


def _add_budget_calls() -> None:
    from moto.budgets.models import BudgetsBackend
    from moto.budgets.responses import BudgetsResponse

    if getattr(BudgetsResponse, "_dayone_extended", False):
        return
    BudgetsResponse._dayone_extended = True  # type: ignore[attr-defined]
    _add_budget_tags(BudgetsBackend, BudgetsResponse)
    if hasattr(BudgetsResponse, "describe_subscribers_for_notification"):
        return  # a moto release that has it needs no addition

    def backend_subscribers(
        self: BudgetsBackend, account_id: str, budget_name: str, notification: dict[str, Any]
    ) -> list[dict[str, Any]]:
        budget = self.budgets[account_id].get(budget_name)
        if budget is None:
            from moto.budgets.exceptions import NotFoundException

            raise NotFoundException(f"Unable to get budget: {budget_name}")
        wanted = {k: v for k, v in notification.items() if k != "NotificationState"}
        for stored in budget.notifications:
            details = {k: v for k, v in stored.details.items() if k != "NotificationState"}
            if details == wanted:
                subscribers = stored.subscribers
                return list(subscribers) if isinstance(subscribers, list) else [subscribers]
        return []

    def response_subscribers(self: BudgetsResponse) -> str:
        subscribers = self.backend.describe_subscribers_for_notification(  # type: ignore[attr-defined]
            account_id=self._get_param("AccountId"),
            budget_name=self._get_param("BudgetName"),
            notification=self._get_param("Notification"),
        )
        return json.dumps({"Subscribers": subscribers})

    BudgetsBackend.describe_subscribers_for_notification = backend_subscribers  # type: ignore[attr-defined]
    BudgetsResponse.describe_subscribers_for_notification = response_subscribers  # type: ignore[attr-defined]


def _add_budget_tags(backend_class: Any, response_class: Any) -> None:
    """Budgets' resource tags (the provider tags budgets and reads the tags back)."""
    if hasattr(response_class, "list_tags_for_resource"):
        return

    def tags_of(backend: Any) -> dict[str, dict[str, str]]:
        if not hasattr(backend, "dayone_tags"):
            backend.dayone_tags = {}
        return backend.dayone_tags  # type: ignore[no-any-return]

    def arn(account_id: str, budget_name: str) -> str:
        return f"arn:aws:budgets::{account_id}:budget/{budget_name}"

    original_create = response_class.create_budget
    original_delete = response_class.delete_budget

    def create_budget(self: Any) -> str:
        result = original_create(self)
        budget = self._get_param("Budget")
        tags = {t["Key"]: t["Value"] for t in self._get_param("ResourceTags", []) or []}
        tags_of(self.backend)[arn(self._get_param("AccountId"), budget["BudgetName"])] = tags
        return str(result)

    def delete_budget(self: Any) -> str:
        result = original_delete(self)
        tags_of(self.backend).pop(
            arn(self._get_param("AccountId"), self._get_param("BudgetName")), None
        )
        return str(result)

    def list_tags_for_resource(self: Any) -> str:
        tags = tags_of(self.backend).get(self._get_param("ResourceARN"), {})
        return json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in tags.items()]})

    def tag_resource(self: Any) -> str:
        tags = tags_of(self.backend).setdefault(self._get_param("ResourceARN"), {})
        tags.update({t["Key"]: t["Value"] for t in self._get_param("ResourceTags", [])})
        return "{}"

    def untag_resource(self: Any) -> str:
        tags = tags_of(self.backend).setdefault(self._get_param("ResourceARN"), {})
        for key in self._get_param("ResourceTagKeys", []):
            tags.pop(key, None)
        return "{}"

    response_class.create_budget = create_budget
    response_class.delete_budget = delete_budget
    response_class.list_tags_for_resource = list_tags_for_resource
    response_class.tag_resource = tag_resource
    response_class.untag_resource = untag_resource


# ---- IAM under enforcement ----------------------------------------------------------------
# The condition keys of the call being authorised, per server thread.
_request_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "request_context", default=None
)
# Services whose errors are JSON documents (the others answer in XML).
_JSON_SERVICES = {"budgets", "codebuild", "ecr", "ecs", "logs", "sagemaker"}


def _denial(service: str, principal: str, action: str, resource: str) -> Exception:
    """AWS's refusal, naming the principal, the action and the resource."""
    from moto.core.exceptions import AccessDeniedError, JsonRESTError

    message = (
        f"User: {principal} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )
    if service == "s3":
        from moto.s3.exceptions import S3AccessDeniedError, S3ClientError

        class S3Denied(S3AccessDeniedError):
            def __init__(self) -> None:
                S3ClientError.__init__(self, "AccessDenied", message)

        return S3Denied()
    if service in _JSON_SERVICES:
        error = JsonRESTError("AccessDeniedException", message)
        error.code = 403
        return error
    denied = AccessDeniedError(user_arn=principal, action=action)
    denied.message = message
    from xmltodict import unparse

    denied.description = unparse(
        {
            "ErrorResponse": {
                "Error": {"Type": "Sender", "Code": "AccessDenied", "Message": message}
            }
        },
        full_document=True,
    )
    return denied


def security_group_tags(account: str, region: str, arn: str) -> dict[str, str]:
    """`ec2:ResourceTag/<key>` of a security group, from the emulator's own records."""
    from moto.ec2.models import ec2_backends

    group = arn.rsplit("/", 1)[-1]
    tags = ec2_backends[account][region].tags.get(group, {})
    return {f"ec2:ResourceTag/{key}": str(value) for key, value in tags.items()}


def _patch_iam_enforcement() -> None:
    from moto.iam.access_control import (
        AssumedRoleAccessKey,
        IAMPolicy,
        IAMPolicyStatement,
        IAMRequestBase,
        PermissionResult,
        S3IAMRequest,
    )
    from moto.iam.models import iam_backends
    from moto.iam.responses import IamResponse

    if getattr(IAMPolicyStatement, "_dayone_extended", False):
        return
    original_is_action_permitted = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(
        self: IAMPolicyStatement,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> PermissionResult:
        statement = self._statement
        if "Condition" not in statement:
            return original_is_action_permitted(self, action, resource, principal, None)
        context = {**(_request_context.get() or {}), **(incoming_condition_values or {})}
        if not conditions_hold(statement["Condition"], context):
            return PermissionResult.NEUTRAL  # a statement whose condition fails does not apply
        unconditioned = IAMPolicyStatement({k: v for k, v in statement.items() if k != "Condition"})
        return original_is_action_permitted(unconditioned, action, resource, principal, None)

    def check_element_matches(self: IAMPolicyStatement, element: str, value: str) -> bool:
        # IAM wildcards (moto reads patterns as regular expressions); actions are
        # case-insensitive, resources are not.
        patterns = self._statement[element]
        patterns = patterns if isinstance(patterns, list) else [patterns]
        ignore_case = element in ("Action", "NotAction")
        return any(wildcard_match(p, value, ignore_case=ignore_case) for p in patterns)

    original_check_principal = IAMPolicyStatement._check_principal

    def check_principal(self: IAMPolicyStatement, principal: str) -> bool:
        # `arn:aws:iam::<account>:root` trusts every principal of that account whose own
        # policies allow the call.
        expected = (self._statement.get("Principal") or {}).get("AWS", [])
        expected = expected if isinstance(expected, list) else [expected]
        account = principal.split(":")[4] if principal.count(":") >= 5 else None
        if account and any(e == f"arn:aws:iam::{account}:root" or e == account for e in expected):
            return True
        return bool(original_check_principal(self, principal))

    def boundary_of(access_key: Any) -> Any:
        if not isinstance(access_key, AssumedRoleAccessKey):
            return None
        backend = iam_backends[access_key.account_id][access_key.partition]
        role = backend.get_role(access_key._owner_role_name)
        arn = getattr(role, "permissions_boundary_arn", None)
        if not arn:
            return None
        policy = backend.get_policy(arn)
        return next(v.document for v in policy.versions if v.is_default)

    def allowed(self: IAMRequestBase, action: str, resource: str, context: dict[str, str]) -> bool:
        """Identity policies (an explicit Deny wins), then the permissions boundary."""
        token = _request_context.set(context)
        try:
            permitted = False
            for policy in self._access_key.collect_policies():
                result = IAMPolicy(policy).is_action_permitted(action, resource)
                if result == PermissionResult.DENIED:
                    return False
                permitted = permitted or result == PermissionResult.PERMITTED
            boundary = boundary_of(self._access_key)
            if permitted and boundary is not None:
                # A permissions boundary caps what the role's policies grant.
                permitted = (
                    IAMPolicy(boundary).is_action_permitted(action, resource)
                    == PermissionResult.PERMITTED
                )
            return permitted
        finally:
            _request_context.reset(token)

    def check_action_permitted(self: IAMRequestBase, resource: str) -> None:
        if self._action == "sts:GetCallerIdentity":
            return
        params = request_parameters(self._data, self._body)
        operation = self._action.split(":", 1)[1]
        if isinstance(self, S3IAMRequest):
            action, resource = s3_request(self._method, self._path, resource)
        else:
            action = iam_action(self._service, operation)
            if resource == "*":
                resource = resource_arn(
                    self._service, operation, params, self.account_id, self._region
                )
        context = condition_keys(params)
        if self._service == "ecs":
            context.update(ecs_condition_keys(operation, params, self.account_id, self._region))
        if self._service == "ec2" and ":security-group/sg-" in resource:
            context.update(security_group_tags(self.account_id, self._region, resource))
        checks = [(action, resource, context)]
        for role, service_principal in passed_roles(self._service, operation, params):
            checks.append(("iam:PassRole", role, {"iam:PassedToService": service_principal}))
        for checked_action, checked_resource, context in checks:
            permitted = allowed(self, checked_action, checked_resource, context)
            if permitted and self._is_assuming_role_operation(checked_resource):
                permitted = self._check_role_trust_relationship(checked_resource)
            _record(self._access_key.arn, checked_action, checked_resource, permitted)
            if not permitted:
                raise _denial(self._service, self._access_key.arn, checked_action, checked_resource)

    def determine_resource(self: IamResponse) -> str:
        """The ARN an IAM call acts on, also for things that do not exist yet."""

        def first(name: str) -> str | None:
            value = self.data.get(name)
            return str(value[0]) if isinstance(value, list) and value else None

        account, partition = self.current_account, self.partition
        for parameter in ("PolicyArn", "OpenIDConnectProviderArn"):
            if first(parameter):
                return str(first(parameter))
        if first("RoleName"):
            return f"arn:{partition}:iam::{account}:role/{first('RoleName')}"
        if first("PolicyName") and self._get_action() == "CreatePolicy":
            return f"arn:{partition}:iam::{account}:policy/{first('PolicyName')}"
        if first("UserName"):
            return f"arn:{partition}:iam::{account}:user/{first('UserName')}"
        return "*"

    IAMPolicyStatement.is_action_permitted = is_action_permitted  # type: ignore[method-assign]
    IAMPolicyStatement._check_element_matches = check_element_matches  # type: ignore[method-assign]
    IAMPolicyStatement._check_principal = check_principal  # type: ignore[method-assign]
    IAMRequestBase.check_action_permitted = check_action_permitted  # type: ignore[method-assign]
    IamResponse._determine_resource = determine_resource  # type: ignore[method-assign]
    IAMPolicyStatement._dayone_extended = True  # type: ignore[attr-defined]


# Every authorization decision, when DAYONE_EMULATOR_IAM_LOG names a file (JSON lines): what
# a role was refused, and everything it was allowed, for writing a least-privilege policy.
_record_lock = threading.Lock()


def _record(principal: str, action: str, resource: str, allowed: bool) -> None:
    path = os.environ.get("DAYONE_EMULATOR_IAM_LOG")
    if not path:
        return
    line = json.dumps(
        {"principal": principal, "action": action, "resource": resource, "allowed": allowed}
    )
    with _record_lock, Path(path).open("a", encoding="utf-8") as log:
        log.write(line + "\n")


def _patch_web_identity() -> None:
    """AssumeRoleWithWebIdentity as STS checks it; the call is unsigned (the token is the
    credential), so it skips moto's signature check."""
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.models import iam_backends
    from moto.sts.exceptions import STSClientError
    from moto.sts.responses import TokenResponse

    if getattr(TokenResponse, "_dayone_extended", False):
        return
    original = TokenResponse.assume_role_with_web_identity

    def authenticate(self: TokenResponse, resource: str = "*") -> None:
        if self._get_action() == "AssumeRoleWithWebIdentity":
            return
        ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(self, resource)

    def assume_role_with_web_identity(self: TokenResponse) -> Any:
        role_arn = str(self._get_param("RoleArn"))
        try:
            claims = token_claims(str(self._get_param("WebIdentityToken")))
            account, partition = role_arn.split(":")[4], role_arn.split(":")[1]
            backend = iam_backends[account][partition]
            issuer = str(claims["iss"])
            provider_arn = f"arn:{partition}:iam::{account}:oidc-provider/{provider_host(issuer)}"
            provider = backend.open_id_providers.get(provider_arn)
            if provider is None:
                raise IdentityTokenRefused(
                    "InvalidIdentityToken",
                    f"No OpenIDConnect provider found in your account for {issuer}",
                )
            audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
            if not set(audiences) & set(provider.client_id_list):
                raise IdentityTokenRefused("InvalidIdentityToken", "Incorrect token audience")
            role = next((r for r in backend.roles.values() if r.arn == role_arn), None)
            trust = json.loads(role.assume_role_policy_document) if role else {}
            if not trust_allows_web_identity(trust, provider_arn, claims):
                raise IdentityTokenRefused(
                    "AccessDenied",
                    f"Not authorized to perform sts:AssumeRoleWithWebIdentity on {role_arn} "
                    f"with a token of {issuer} for aud {claims['aud']}, sub {claims['sub']}",
                )
        except IdentityTokenRefused as refused:
            _record(f"web identity of {role_arn}", "sts:AssumeRoleWithWebIdentity", role_arn, False)
            raise STSClientError(refused.code, str(refused)) from None
        _record(f"web identity {claims['sub']}", "sts:AssumeRoleWithWebIdentity", role_arn, True)
        return original(self)

    TokenResponse._authenticate_and_authorize_normal_action = authenticate  # type: ignore[method-assign]
    TokenResponse.assume_role_with_web_identity = assume_role_with_web_identity  # type: ignore[method-assign]
    TokenResponse._dayone_extended = True  # type: ignore[attr-defined]


def _fix_delete_markers() -> None:
    """Emptying a versioned bucket (force_destroy) deletes its delete markers as well; moto
    5.2.5 fails on them (a marker has no stored body to dispose of), and the provider then
    retries for ever."""
    from moto.s3.models import FakeDeleteMarker

    if not hasattr(FakeDeleteMarker, "dispose"):
        FakeDeleteMarker.dispose = lambda self, garbage=False: None  # type: ignore[attr-defined]


def access_key_of(account: str) -> str:
    """The fake access key that acts in `account` (moto reads 20-character keys)."""
    return f"EMUL{account}ATOR"


def _accounts_by_access_key() -> None:
    """The key of `access_key_of(account)` acts in that account, so one emulator holds the
    accounts of a per-environment-accounts project (moto otherwise maps every unknown key to
    its default account)."""
    from moto.iam import models

    if getattr(models.get_account_id_from, "_dayone_extended", False):
        return
    original = models.get_account_id_from

    def get_account_id_from(access_key: str) -> str:
        match = re.fullmatch(r"EMUL(\d{12})ATOR", access_key)
        return match.group(1) if match else str(original(access_key))

    get_account_id_from._dayone_extended = True  # type: ignore[attr-defined]
    models.get_account_id_from = get_account_id_from


def extend_moto() -> None:
    """Add to moto what the provider and the IAM tests need; safe to call more than once."""
    _accounts_by_access_key()
    _fix_delete_markers()
    _add_budget_calls()
    _patch_iam_enforcement()
    _patch_web_identity()
    # One line per request would drown the run's own output.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # STS's model has no AccessDenied shape; the refusal is serialized all the same.
    warnings.filterwarnings("ignore", message=r".*does not match an error shape.*")


# moto's control calls (reset, IAM enforcement) can be slow: a reset reloads the AWS-managed
# policies when MOTO_IAM_LOAD_MANAGED_POLICIES is set, which took over 10 s on a loaded 2-core
# machine (the test suite's emulators failed to start with a 10 s timeout).
CONTROL_TIMEOUT_SECONDS = 180


@dataclass
class Emulator:
    endpoint: str
    # Per account, the access key and secret of its administrator (admin_credentials).
    admins: dict[str, tuple[str, str]] = field(default_factory=dict)
    _admins_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # One botocore session per set of keys makes their clients: a session reads the endpoint
    # table and each service's model once, where a session per client read them again (about
    # two seconds of CPU per emulated apply). Sessions are not thread-safe: clients are made
    # under a lock (the clients themselves are).
    _sessions: dict[tuple[str, str, str | None], Any] = field(default_factory=dict, repr=False)
    _sessions_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def enforce_iam(self, enabled: bool = True) -> None:
        """From now on every call must be signed by a known principal and allowed by IAM."""
        import urllib.request

        count = "0" if enabled else "inf"
        # text/plain: with urllib's default form content type, the server reads an empty body.
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/reset-auth",
            data=count.encode(),
            method="POST",
            # Not a form: moto reads the raw body.
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=CONTROL_TIMEOUT_SECONDS):
            pass

    def reset(self) -> None:
        """Forget every resource, and stop enforcing IAM: a fresh emulator."""
        import urllib.request

        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=CONTROL_TIMEOUT_SECONDS):
            pass
        self.admins.clear()
        self.enforce_iam(False)

    def admin_credentials(self, account: str) -> tuple[str, str]:
        """(access key, secret) of an IAM user allowed everything in `account`: what an
        administrator acts with once IAM is enforced. Made on first use, which must come
        before `enforce_iam()`."""
        with self._admins_lock:  # environments applied side by side share an account
            if account not in self.admins:
                self.admins[account] = self._make_admin(account)
            return self.admins[account]

    def _make_admin(self, account: str) -> tuple[str, str]:
        iam = self.client("iam", access_key=access_key_of(account))
        iam.create_user(UserName=ADMIN_USER)
        everything = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
        iam.put_user_policy(
            UserName=ADMIN_USER, PolicyName="everything", PolicyDocument=json.dumps(everything)
        )
        key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def client(self, service: str, region: str = "us-east-1", **credentials: str) -> Any:
        """A client of the emulator. Without credentials it acts as the admin of the default
        account; with an account number as access_key as that account's admin (its
        admin_credentials once made); with access_key/secret_key (and session_token) as that
        principal; in `region`. Keys are fake and set in-process: no profile or environment
        variable is read."""
        import botocore.session

        key = credentials.get("access_key", ACCOUNT_ID)
        secret = credentials.get("secret_key", key)
        if len(key) == 12 and key.isdigit():  # an account number: act as its administrator
            key, secret = self.admins.get(key, (access_key_of(key), key))
        keys = (key, secret, credentials.get("session_token"))
        with self._sessions_lock:
            session = self._sessions.get(keys)
            if session is None:
                session = self._sessions[keys] = botocore.session.get_session()
                session.set_credentials(*keys)
            return session.create_client(service, endpoint_url=self.endpoint, region_name=region)

    def assume_role_with_web_identity(
        self, role_arn: str, token: str, session: str
    ) -> dict[str, str]:
        """Credentials of `role_arn` for an OIDC token, as a CI job gets them (the call is
        unsigned): access_key, secret_key and session_token, for `client()`."""
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        sts = boto3.client(
            "sts",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            config=Config(signature_version=UNSIGNED),
        )
        found = sts.assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName=session, WebIdentityToken=token
        )["Credentials"]
        return {
            "access_key": found["AccessKeyId"],
            "secret_key": found["SecretAccessKey"],
            "session_token": found["SessionToken"],
        }


@contextlib.contextmanager
def running_emulator() -> Iterator[Emulator]:
    """moto's server on 127.0.0.1 (a free port), extended; stopped when the block ends."""
    from moto.server import ThreadedMotoServer

    extend_moto()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        emulator = Emulator(endpoint=f"http://{host}:{port}")
        # moto keeps its resources and its IAM enforcement in module globals: an earlier
        # emulator of this process (a test that enforced IAM, say) must not leak into this one.
        emulator.reset()
        yield emulator
    finally:
        server.stop()
