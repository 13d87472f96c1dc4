"""Every IAM policy document of a plan, scanned: cloudsplaining on identity policies, and
dayone's own rules on trust and bucket policies.

`policy_documents(plan)` takes a plan in `terraform show -json` form (an offline plan, or the
plan/state of an emulated apply) and returns its documents; `scan_documents` (one plan) and
`scan_plans` (several, one cloudsplaining process) run the rules.

cloudsplaining runs in its own environment (its pins clash with dayone's): by default uv makes
and caches one at the pinned version (`uv tool run`), or DAYONE_CLOUDSPLAINING names an
installed cloudsplaining executable. It is run in its
"resource-ARN statements too" mode: a risky action is flagged even when scoped to a resource
pattern (which may cover the policy itself). cloudsplaining reasons on actions only, so each
document is first made conservative for it:

- a Deny on anything narrower than "*" is dropped: cloudsplaining would subtract its actions
  everywhere, hiding an Allow of the same action on other resources;
- an Allow conditioned on `iam:PermissionsBoundary` = a boundary policy of the same plan is
  set aside, provided that boundary is itself known, grants no IAM or STS action and scans
  clean: whatever such a statement grants, it grants to roles confined by that boundary.
  The statements set aside are counted in the report.
- an Allow of iam:PassRole alone, on exact role ARNs, conditioned on iam:PassedToService, is
  set aside when every role it names is made in the same plan, trusted only by AWS services,
  and granted no IAM or STS action by its inline policies, and no managed policy of the plan
  grants IAM or STS beyond such passes: whoever passes the role then acts, through the
  service, with that role's permissions, which are scanned as documents of their own (a CI
  role that starts the image build or a training job). Counted in the report too.
  cloudsplaining's "infrastructure
modification" list is not a finding here: in this mode it names every write action, and
writing its own environment's resources is what a deploy role is for.

Findings other than privilege escalation may be skipped, inline in the Terraform, next to the
policy, with a reason:

    #iam-scan:skip=<FindingType>:<action>:<reason of more than 20 characters>

A privilege-escalation finding cannot be skipped.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dayone.errors import DayoneError
from dayone.tools import uv_executable

CLOUDSPLAINING_ENV_VAR = "DAYONE_CLOUDSPLAINING"
CLOUDSPLAINING = "cloudsplaining==0.9.1"
UNSKIPPABLE = "PrivilegeEscalation"
FINDING_TYPES = (
    "PrivilegeEscalation",
    "ResourceExposure",
    "DataExfiltration",
    "CredentialsExposure",
    "ServiceWildcard",
)
SKIP_PATTERN = re.compile(r"#\s*iam-scan:skip=([A-Za-z]+):([A-Za-z0-9-]+:[A-Za-z0-9*]+):(.*)$")

# (resource type, attribute, kind) of every attribute that holds an IAM policy document.
POLICY_ATTRIBUTES = (
    ("aws_iam_policy", "policy", "identity"),
    ("aws_iam_role_policy", "policy", "identity"),
    ("aws_iam_user_policy", "policy", "identity"),
    ("aws_iam_group_policy", "policy", "identity"),
    ("aws_iam_role", "assume_role_policy", "trust"),
    ("aws_s3_bucket_policy", "policy", "resource"),
    ("aws_ecr_repository_policy", "policy", "resource"),
)


# Documents that belong to one role: its trust and its inline policies.
ROLE_DOCUMENTS = ("aws_iam_role", "aws_iam_role_policy")


@dataclass(frozen=True)
class PolicyDocument:
    address: str
    kind: str  # identity, trust or resource
    name: str
    document: dict[str, Any] | None  # None: not known until apply
    # The role a trust or inline policy belongs to (None for managed and resource policies).
    role: str | None = None

    @property
    def known(self) -> bool:
        return self.document is not None


@dataclass
class Finding:
    address: str
    type: str
    actions: tuple[str, ...]
    detail: str = ""


@dataclass
class ScanReport:
    documents: list[PolicyDocument]
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    gated: int = 0  # Allow statements set aside as boundary-gated
    passes: int = 0  # iam:PassRole statements set aside as role-bound

    @property
    def unknown(self) -> list[PolicyDocument]:
        return [d for d in self.documents if not d.known]

    def count(self, finding_type: str) -> int:
        return sum(1 for f in self.findings if f.type == finding_type)


def _modules(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield module
    for child in module.get("child_modules", []):
        yield from _modules(child)


def _name(values: Mapping[str, Any], address: str) -> str:
    for key in ("name", "bucket", "role", "repository"):
        if isinstance(values.get(key), str):
            return str(values[key])
    return address


def policy_documents(plan: Mapping[str, Any]) -> list[PolicyDocument]:
    """Every IAM policy document a plan (or a state, `terraform show -json`) will create.

    A document whose value is unknown until apply (it names an ARN made in the same apply) is
    returned with `document=None`, so the caller can count and report it.
    """
    root = (plan.get("planned_values") or plan.get("values") or {}).get("root_module", {})
    unknown_by_address = {
        change["address"]: change.get("change", {}).get("after_unknown") or {}
        for change in plan.get("resource_changes", [])
    }
    found = []
    for module in _modules(root):
        for resource in module.get("resources", []):
            if resource.get("mode", "managed") != "managed":
                continue
            for type_, attribute, kind in POLICY_ATTRIBUTES:
                if resource.get("type") != type_:
                    continue
                values = resource.get("values", {})
                address = resource["address"]
                text = values.get(attribute)
                if not text or unknown_by_address.get(address, {}).get(attribute):
                    document = None
                else:
                    document = json.loads(text)
                role = values.get("name") if type_ == "aws_iam_role" else values.get("role")
                found.append(
                    PolicyDocument(
                        address,
                        kind,
                        _name(values, address),
                        document,
                        role if isinstance(role, str) and type_ in ROLE_DOCUMENTS else None,
                    )
                )
    return _owned_by_roles_of_their_module(found)


def _owned_by_roles_of_their_module(found: list[PolicyDocument]) -> list[PolicyDocument]:
    """An inline policy whose role is not known at plan time (`role = aws_iam_role.this.id`)
    belongs to the one role of its module, when its module has one."""
    roles_by_module: dict[str, list[str]] = {}
    for document in found:
        if document.kind == "trust" and document.role:
            module = document.address.rsplit(".", 2)[0] if "." in document.address else ""
            roles_by_module.setdefault(module, []).append(document.role)
    owned = []
    for document in found:
        module = document.address.rsplit(".", 2)[0]
        roles = roles_by_module.get(module, [])
        inline = document.address.split(".")[-2] == "aws_iam_role_policy"
        if document.role is None and inline and len(roles) == 1:
            document = replace(document, role=roles[0])
        owned.append(document)
    return owned


def inline_skips(infra: Path) -> dict[tuple[str, str], str]:
    """(finding type, action) -> reason, from `#iam-scan:skip=` comments in infra/**/*.tf."""
    skips = {}
    for tf in sorted(infra.rglob("*.tf")):
        if ".terraform" in tf.parts:
            continue
        for line in tf.read_text(encoding="utf-8").splitlines():
            found = SKIP_PATTERN.search(line)
            if found:
                finding_type, action, reason = found.groups()
                if finding_type == UNSKIPPABLE:
                    raise DayoneError(
                        f"{tf.name}: a privilege-escalation finding cannot be skipped"
                    )
                if len(reason.strip()) <= 20:
                    raise DayoneError(f"{tf.name}: iam-scan skip of {action} needs a reason")
                skips[(finding_type, action.lower())] = reason.strip()
    return skips


# Run inside cloudsplaining's own environment: documents on stdin, findings on stdout.
_RUNNER = """
import json, sys
from cloudsplaining.command.scan_policy_file import scan_policy
out = []
for document in json.load(sys.stdin):
    results = scan_policy(document, {}, flag_conditional_statements=False,
                          flag_resource_arn_statements=True)
    found = []
    for kind in ("PrivilegeEscalation", "ResourceExposure", "DataExfiltration",
                 "CredentialsExposure", "ServiceWildcard"):
        for item in (results.get(kind) or {}).get("findings", []) or []:
            if isinstance(item, dict):
                found.append([kind, item.get("type", ""), sorted(item.get("actions", []))])
            else:
                found.append([kind, "", [str(item)]])
    out.append(found)
json.dump(out, sys.stdout)
"""


def cloudsplaining_python(env: Mapping[str, str]) -> list[str]:
    """The command that starts a Python which imports cloudsplaining: the interpreter of
    DAYONE_CLOUDSPLAINING's environment, else uv's cached environment of the pinned release."""
    configured = env.get(CLOUDSPLAINING_ENV_VAR)
    if not configured:
        return [uv_executable(env), "tool", "run", "--from", CLOUDSPLAINING, "python"]
    path = Path(configured)
    python = path.with_name("python")
    if python.exists():
        return [str(python)]
    if path.is_file():
        first = path.read_text(encoding="utf-8", errors="replace").splitlines()[0]
        if first.startswith("#!"):
            return [first[2:].strip().split()[0]]
    raise DayoneError(f"{CLOUDSPLAINING_ENV_VAR}={configured}: cannot find its Python")


def run_cloudsplaining(
    python: Sequence[str], documents: Sequence[Mapping[str, Any]]
) -> list[list[tuple[str, str, tuple[str, ...]]]]:
    """cloudsplaining's findings, per document: (finding type, method, actions)."""
    completed = subprocess.run(
        [*python, "-c", _RUNNER],
        input=json.dumps(list(documents)),
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise DayoneError(f"cloudsplaining failed:\n{completed.stderr[-3000:]}")
    return [
        [(kind, method, tuple(actions)) for kind, method, actions in per_document]
        for per_document in json.loads(completed.stdout)
    ]


def _principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal", {})
    if principal == "*":
        return ["*"]
    values: list[str] = []
    for value in principal.values():
        values += value if isinstance(value, list) else [value]
    return values


def trust_findings(document: PolicyDocument) -> list[Finding]:
    """A role must not trust everyone, and a federated (OIDC) trust must pin aud and sub."""
    findings = []
    for statement in (document.document or {}).get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        principals = _principals(statement)
        if "*" in principals:
            findings.append(Finding(document.address, "OpenTrust", ("sts:AssumeRole",)))
        principal = statement.get("Principal", {})
        if isinstance(principal, dict) and "Federated" in principal:
            keys = {
                key.split(":")[-1].lower()
                for tests in (statement.get("Condition") or {}).values()
                for key in tests
            }
            if not {"aud", "sub"} <= keys:
                findings.append(
                    Finding(
                        document.address, "UnpinnedWebIdentity", (), "aud and sub must be tested"
                    )
                )
    return findings


def resource_policy_findings(document: PolicyDocument) -> list[Finding]:
    """A bucket or repository policy must grant nothing to everyone."""
    findings = []
    for statement in (document.document or {}).get("Statement", []):
        if statement.get("Effect") == "Allow" and "*" in _principals(statement):
            actions = statement.get("Action", [])
            actions = tuple(actions if isinstance(actions, list) else [actions])
            findings.append(Finding(document.address, "PublicResourcePolicy", actions))
    return findings


BOUNDARY_KEY = "iam:permissionsboundary"


def _narrow(statement: Mapping[str, Any]) -> bool:
    resources = statement.get("Resource", [])
    return (resources if isinstance(resources, list) else [resources]) != ["*"]


def _boundary_gated(statement: Mapping[str, Any], boundaries: set[str]) -> bool:
    tests = (statement.get("Condition") or {}).get("StringEquals", {})
    values = next((v for k, v in tests.items() if k.lower() == BOUNDARY_KEY), None)
    values = values if isinstance(values, list) else [values]
    return statement.get("Effect") == "Allow" and bool(values) and set(values) <= boundaries


# Who am I: every principal may ask, whatever its policies say.
HARMLESS_ACTIONS = {"sts:getcalleridentity"}


def grants_iam_or_sts(document: Mapping[str, Any]) -> bool:
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            return True
        actions = statement.get("Action", [])
        for action in actions if isinstance(actions, list) else [actions]:
            if action.lower() in HARMLESS_ACTIONS:
                continue
            if action == "*" or action.lower().startswith(("iam:", "sts:")):
                return True
    return False


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def passed_roles(statement: Mapping[str, Any]) -> list[str] | None:
    """The role names an Allow of iam:PassRole alone names exactly, with the services it
    may pass them to pinned (iam:PassedToService); None for any other statement."""
    actions = [a.lower() for a in _as_list(statement.get("Action", []))]
    resources = _as_list(statement.get("Resource", []))
    tests = (statement.get("Condition") or {}).get("StringEquals", {})
    pinned = any(k.lower() == "iam:passedtoservice" for k in tests)
    if statement.get("Effect") != "Allow" or actions != ["iam:passrole"] or not pinned:
        return None
    if not resources or any("*" in r or "?" in r or ":role/" not in r for r in resources):
        return None
    return [r.rsplit("/", 1)[-1] for r in resources]


def _without_passes(document: Mapping[str, Any]) -> dict[str, Any]:
    statements = [s for s in document.get("Statement", []) if passed_roles(s) is None]
    return {**document, "Statement": statements}


def bounded_roles(documents: Sequence[PolicyDocument]) -> set[str]:
    """Roles that may be passed without escalation (see the module notes)."""
    managed = [d for d in documents if d.kind == "identity" and d.role is None]
    if any(not d.known or grants_iam_or_sts(_without_passes(d.document or {})) for d in managed):
        return set()
    bounded = set()
    for trust in (d for d in documents if d.kind == "trust" and d.known and d.role):
        allows = [
            s
            for s in _as_list((trust.document or {}).get("Statement", []))
            if s.get("Effect") == "Allow"
        ]
        principals = [s.get("Principal") for s in allows]
        # Trusted by AWS services alone: no account, user, role or identity provider.
        if not allows or any(not isinstance(p, dict) or set(p) != {"Service"} for p in principals):
            continue
        inline = [d for d in documents if d.kind == "identity" and d.role == trust.role]
        if all(d.known and not grants_iam_or_sts(d.document or {}) for d in inline):
            bounded.add(str(trust.role))
    return bounded


def for_cloudsplaining(
    document: Mapping[str, Any], boundaries: set[str], bounded: set[str] | None = None
) -> tuple[dict[str, Any], int, int]:
    """The document cloudsplaining sees (see the module notes), how many Allow statements
    were set aside as boundary-gated, and how many as role-bound passes."""
    kept, gated, passes = [], 0, 0
    for statement in document.get("Statement", []):
        if statement.get("Effect") == "Deny" and _narrow(statement):
            continue
        if _boundary_gated(statement, boundaries):
            gated += 1
            continue
        roles = passed_roles(statement)
        if roles is not None and set(roles) <= (bounded or set()):
            passes += 1
            continue
        kept.append(statement)
    return {"Version": document.get("Version", "2012-10-17"), "Statement": kept}, gated, passes


def _boundary_arns(documents: Sequence[PolicyDocument]) -> dict[str, PolicyDocument]:
    """Policy ARN (as the plan's conditions name it) -> document, for policies named in an
    `iam:PermissionsBoundary` condition of the plan."""
    named: set[str] = set()
    for document in documents:
        for statement in (document.document or {}).get("Statement", []):
            for tests in (statement.get("Condition") or {}).values():
                for key, values in tests.items():
                    if key.lower() == BOUNDARY_KEY:
                        named.update(values if isinstance(values, list) else [values])
    by_name = {d.name: d for d in documents if d.kind == "identity"}
    return {
        arn: by_name[arn.rsplit("/", 1)[-1]] for arn in named if arn.rsplit("/", 1)[-1] in by_name
    }


def scan_documents(
    documents: Sequence[PolicyDocument],
    cloudsplaining: Sequence[str],
    skips: Mapping[tuple[str, str], str] | None = None,
) -> ScanReport:
    """Scan the known documents; findings matched by an inline skip are set aside."""
    return scan_plans({"": documents}, cloudsplaining, skips)[""]


def scan_plans(
    documents_by_plan: Mapping[str, Sequence[PolicyDocument]],
    cloudsplaining: Sequence[str],
    skips: Mapping[tuple[str, str], str] | None = None,
) -> dict[str, ScanReport]:
    """Scan several plans' documents (one report per plan) with ONE cloudsplaining process:
    starting it takes seconds, and `dayone check` scans every environment."""
    skips = skips or {}
    staged = {label: _stage(documents) for label, documents in documents_by_plan.items()}
    batch = [doc for _report, _identity, prepared in staged.values() for doc in prepared]
    results = iter(run_cloudsplaining(cloudsplaining, batch))
    reports = {}
    for label, (report, identity, prepared) in staged.items():
        per_document = [next(results) for _ in prepared]
        _record_findings(report, identity, per_document, skips)
        reports[label] = report
    return reports


def _stage(
    documents: Sequence[PolicyDocument],
) -> tuple[ScanReport, list[PolicyDocument], list[dict[str, Any]]]:
    """A plan's report with its boundary findings, its identity documents, and what
    cloudsplaining is to see of each."""
    report = ScanReport(list(documents))
    identity = [d for d in documents if d.known and d.kind == "identity"]
    boundaries = _boundary_arns(documents)
    # A boundary vouches for the statements it gates only if it grants no IAM or STS itself
    # (it is scanned below like every identity policy).
    trusted = {arn for arn, d in boundaries.items() if not grants_iam_or_sts(d.document or {})}
    for arn in sorted(set(boundaries) - trusted):
        report.findings.append(Finding(boundaries[arn].address, "BoundaryGrantsIam", (), arn))
    bounded = bounded_roles(documents)
    prepared = [for_cloudsplaining(d.document or {}, trusted, bounded) for d in identity]
    report.gated = sum(gated for _doc, gated, _passes in prepared)
    report.passes = sum(passes for _doc, _gated, passes in prepared)
    return report, identity, [doc for doc, _gated, _passes in prepared]


def _record_findings(
    report: ScanReport,
    identity: Sequence[PolicyDocument],
    results: Sequence[list[tuple[str, str, tuple[str, ...]]]],
    skips: Mapping[tuple[str, str], str],
) -> None:
    for document, per_document in zip(identity, results, strict=True):
        for kind, method, actions in per_document:
            finding = Finding(document.address, kind, actions, method)
            skipped = kind != UNSKIPPABLE and all(
                (kind, action.lower()) in skips for action in actions
            )
            (report.skipped if skipped else report.findings).append(finding)
    for document in report.documents:
        if document.known and document.kind == "trust":
            report.findings += trust_findings(document)
        if document.known and document.kind == "resource":
            report.findings += resource_policy_findings(document)


def describe(report: ScanReport, label: str) -> str:
    known = len(report.documents) - len(report.unknown)
    kinds = sorted({d.kind for d in report.documents})
    line = (
        f"{label}: {known} policy documents scanned ({', '.join(kinds)}), "
        f"{len(report.unknown)} known only at apply, {len(report.findings)} findings, "
        f"{len(report.skipped)} skipped inline, {report.gated} boundary-gated statements, "
        f"{report.passes} role-bound passes"
    )
    details = [
        f"  {f.type} {f.detail} {', '.join(f.actions)} in {f.address}" for f in report.findings
    ]
    return "\n".join([line, *details])
