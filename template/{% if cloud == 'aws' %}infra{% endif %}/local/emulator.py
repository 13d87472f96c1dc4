"""A local AWS for this project's infrastructure: moto's server, made to answer what the
AWS provider asks of it, on 127.0.0.1, for as long as a `with` block lasts.

moto is the emulator (PyPI, pinned in pyproject's dev group, since the additions below lean
on its internals). What moto lacks and the provider calls is added here, in one place:

- Budgets: DescribeSubscribersForNotification (the provider reads the subscribers of every
  notification after creating a budget; without it the budget never finishes creating).
- IAM under enforcement: moto resolves only role resources and ignores most condition keys.
  `enforce_iam()` evaluates what this project's policies rely on: resource ARNs of roles,
  policies and OIDC providers, the condition keys iam:PolicyARN, iam:PermissionsBoundary and
  iam:PassedToService, account-root principals in trust policies, and permissions
  boundaries of assumed roles.

Nothing here talks to AWS: every client points at the local endpoint with fake keys.
"""

from __future__ import annotations

import contextlib
import contextvars
import fnmatch
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

# moto reads these when its modules load: AWS-managed policies (ReadOnlyAccess and friends)
# must exist for attachments to apply.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")

ACCOUNT_ID = "123456789012"  # moto's default account: the one fake credentials map to


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


# ---- IAM under enforcement ----------------------------------------------------------------
# The request context of the call being authorised (condition keys), per server thread.
_request_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "request_context", default=None
)


def _arn_or_string_like(pattern: str, value: str) -> bool:
    """IAM's wildcard match: `*` any run of characters, `?` exactly one, case-sensitive."""
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda expected, actual: actual == expected,
    "StringNotEquals": lambda expected, actual: actual != expected,
    "StringEqualsIgnoreCase": lambda expected, actual: actual.lower() == expected.lower(),
    "StringLike": _arn_or_string_like,
    "StringNotLike": lambda expected, actual: not _arn_or_string_like(expected, actual),
    "ArnEquals": lambda expected, actual: actual == expected,
    "ArnLike": _arn_or_string_like,
    "ArnNotEquals": lambda expected, actual: actual != expected,
    "ArnNotLike": lambda expected, actual: not _arn_or_string_like(expected, actual),
    "Bool": lambda expected, actual: actual.lower() == str(expected).lower(),
}


def conditions_hold(conditions: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
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
            test = _OPERATORS.get(name)
            if test is None:
                return False
            negated = "Not" in name
            matches = [test(str(value), actual) for value in values]
            if not (all(matches) if negated else any(matches)):
                return False
    return True


def _request_condition_values(data: dict[str, Any]) -> dict[str, str]:
    """The condition keys an IAM request carries, from its parameters."""

    def first(name: str) -> str | None:
        value = data.get(name)
        if isinstance(value, list):
            return str(value[0]) if value else None
        return None if value is None else str(value)

    context = {}
    for parameter, key in (
        ("PolicyArn", "iam:PolicyARN"),
        ("PermissionsBoundary", "iam:PermissionsBoundary"),
    ):
        value = first(parameter)
        if value is not None:
            context[key] = value
    return context


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


def _patch_iam_enforcement() -> None:
    from moto.iam import access_control
    from moto.iam.access_control import (
        AssumedRoleAccessKey,
        IAMPolicy,
        IAMPolicyStatement,
        IAMRequestBase,
        PermissionResult,
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

    def check_action_permitted(self: IAMRequestBase, resource: str) -> None:
        if self._action == "sts:GetCallerIdentity":
            return
        token = _request_context.set(_request_condition_values(self._data))
        try:
            permitted = False
            for policy in self._access_key.collect_policies():
                result = IAMPolicy(policy).is_action_permitted(self._action, resource)
                if result == PermissionResult.DENIED:
                    self._raise_access_denied()
                permitted = permitted or result == PermissionResult.PERMITTED
            boundary = boundary_of(self._access_key)
            if permitted and boundary is not None:
                # A permissions boundary caps what the role's policies grant.
                permitted = (
                    IAMPolicy(boundary).is_action_permitted(self._action, resource)
                    == PermissionResult.PERMITTED
                )
            if self._is_assuming_role_operation(resource):
                permitted = permitted and self._check_role_trust_relationship(resource)
            if not permitted:
                self._raise_access_denied()
        finally:
            _request_context.reset(token)

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
    IAMPolicyStatement._check_principal = check_principal  # type: ignore[method-assign]
    IAMRequestBase.check_action_permitted = check_action_permitted  # type: ignore[method-assign]
    IamResponse._determine_resource = determine_resource  # type: ignore[method-assign]
    IAMPolicyStatement._dayone_extended = True  # type: ignore[attr-defined]
    del access_control


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
    # One line per request would drown the run's own output.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


# moto's control calls (reset, IAM enforcement) can be slow: a reset reloads the AWS-managed
# policies when MOTO_IAM_LOAD_MANAGED_POLICIES is set, which took over 10 s on a loaded 2-core
# machine (the test suite's emulators failed to start with a 10 s timeout).
CONTROL_TIMEOUT_SECONDS = 180


@dataclass
class Emulator:
    endpoint: str

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
        self.enforce_iam(False)

    def client(self, service: str, **credentials: str) -> Any:
        """A boto3 client of the emulator. Without credentials it acts as the admin of the
        default account; with access_key/secret_key (and session_token) as that principal.
        Keys are fake and set in-process: no profile or environment variable is read."""
        import boto3
        import botocore.session

        key = credentials.get("access_key", ACCOUNT_ID)
        if len(key) == 12 and key.isdigit():  # an account number: act as its administrator
            key = access_key_of(key)
        session = botocore.session.get_session()
        session.set_credentials(
            key, credentials.get("secret_key", ACCOUNT_ID), credentials.get("session_token")
        )
        return boto3.Session(botocore_session=session).client(
            service, endpoint_url=self.endpoint, region_name="us-east-1"
        )


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
