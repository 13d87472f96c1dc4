"""A small IAM policy evaluator: enough of AWS's rules to ask "is this request allowed?" of
the policy documents a plan holds, offline.

Covered: Allow/Deny with explicit deny winning, Action/NotAction and Resource/NotResource with
AWS wildcards (`*` and `?`; actions case-insensitive, resources case-sensitive), permissions
boundaries (a request must be allowed by the identity policies and by the boundary), and the
condition operators dayone's policies use: String(Not)Equals, String(Not)Like, Arn(Not)Equals,
Arn(Not)Like and Bool, each value list ORed, keys and operators ANDed; a missing key fails a
positive operator and satisfies a negated one. Not covered (refused, so a policy using them
cannot pass silently): other operators, `...IfExists`, `ForAnyValue:`/`ForAllValues:`,
policy variables. Resource policies, SCPs and session policies are out of scope.

Trust policies are evaluated with `can_assume_with_web_identity`: the `Principal.Federated`
provider, the action `sts:AssumeRoleWithWebIdentity` and the conditions on the token's claims,
which AWS exposes as `<provider host>:<claim>` (for OIDC: aud, sub, amr only).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from tests.support.iam_scan import iam_scan

wildcard_match = iam_scan.wildcard_match

Decision = Literal["Allow", "ExplicitDeny", "ImplicitDeny"]
Context = Mapping[str, str | Sequence[str]]

WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"


class UnsupportedPolicy(ValueError):
    """The document uses IAM grammar this evaluator does not model."""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _statements(document: Mapping[str, Any] | str) -> list[dict[str, Any]]:
    doc = json.loads(document) if isinstance(document, str) else document
    return [dict(s) for s in _as_list(doc.get("Statement"))]


def _matches_any(patterns: Iterable[str], value: str, *, ignore_case: bool) -> bool:
    return any(wildcard_match(p, value, ignore_case=ignore_case) for p in patterns)


def _action_applies(statement: Mapping[str, Any], action: str) -> bool:
    if "Action" in statement:
        return _matches_any(_as_list(statement["Action"]), action, ignore_case=True)
    if "NotAction" in statement:
        return not _matches_any(_as_list(statement["NotAction"]), action, ignore_case=True)
    raise UnsupportedPolicy(f"statement without Action or NotAction: {statement}")


def _resource_applies(statement: Mapping[str, Any], resource: str) -> bool:
    if "Resource" in statement:
        return _matches_any(_as_list(statement["Resource"]), resource, ignore_case=False)
    if "NotResource" in statement:
        return not _matches_any(_as_list(statement["NotResource"]), resource, ignore_case=False)
    return True  # trust policies name no resource


def _context_values(context: Context, key: str) -> list[str] | None:
    for name, value in context.items():
        if name.lower() == key.lower():
            return [str(v) for v in _as_list(value)]
    return None


def _test(operator: str, expected: str, actual: str) -> bool:
    base = operator.removeprefix("String").removeprefix("Arn").removeprefix("Not")
    if operator == "Bool":
        return actual.lower() == expected.lower()
    if base == "Equals":
        return actual == expected
    if base == "Like":
        return wildcard_match(expected, actual)
    raise UnsupportedPolicy(f"condition operator {operator}")


SUPPORTED_OPERATORS = {
    f"{family}{negation}{kind}"
    for family in ("String", "Arn")
    for negation in ("", "Not")
    for kind in ("Equals", "Like")
} | {"Bool"}


def conditions_hold(conditions: Mapping[str, Mapping[str, Any]] | None, context: Context) -> bool:
    """Every operator block and every key in it holds (AND); any listed value matches (OR)."""
    for operator, tests in (conditions or {}).items():
        if operator not in SUPPORTED_OPERATORS:
            raise UnsupportedPolicy(f"condition operator {operator}")
        negated = "Not" in operator
        for key, expected in tests.items():
            actual = _context_values(context, key)
            if actual is None:
                if not negated:
                    return False
                continue
            matched = any(_test(operator, e, a) for e in _as_list(expected) for a in actual)
            if matched == negated:
                return False
    return True


def evaluate(
    documents: Iterable[Mapping[str, Any] | str],
    action: str,
    resource: str,
    context: Context | None = None,
) -> Decision:
    """The decision of a set of identity policies for one request."""
    allowed = False
    for document in documents:
        for statement in _statements(document):
            if not (_action_applies(statement, action) and _resource_applies(statement, resource)):
                continue
            if not conditions_hold(statement.get("Condition"), context or {}):
                continue
            if statement.get("Effect") == "Deny":
                return "ExplicitDeny"
            if statement.get("Effect") == "Allow":
                allowed = True
    return "Allow" if allowed else "ImplicitDeny"


def is_allowed(
    documents: Iterable[Mapping[str, Any] | str],
    action: str,
    resource: str,
    context: Context | None = None,
    boundary: Mapping[str, Any] | str | None = None,
) -> bool:
    """Allowed by the identity policies and, when the principal has one, by its boundary."""
    if evaluate(documents, action, resource, context) != "Allow":
        return False
    return boundary is None or evaluate([boundary], action, resource, context) == "Allow"


def can_assume_with_web_identity(
    trust_policy: Mapping[str, Any] | str,
    provider_arn: str,
    claims: Mapping[str, str],
) -> bool:
    """Whether a token from `provider_arn` with these claims may assume the role."""
    host = provider_arn.split(":oidc-provider/", 1)[1]
    context = {f"{host}:{claim}": value for claim, value in claims.items()}
    allowed = False
    for statement in _statements(trust_policy):
        principal = statement.get("Principal", {})
        federated = _as_list(principal.get("Federated")) if isinstance(principal, dict) else []
        if provider_arn not in federated or not _action_applies(statement, WEB_IDENTITY_ACTION):
            continue
        if not conditions_hold(statement.get("Condition"), context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed
