"""The IAM scan of this project's infrastructure: every IAM policy document of every
environment's plans (stack and bootstrap), and of what the emulated apply read back from the
emulator, scanned by cloudsplaining and by rules of its own.

    make infra-iam-scan                 # plans every environment on the local emulator
    make infra-iam-scan OUT_DIR=records # reads what `make infra-local OUT_DIR=records` kept

With --out-dir, an environment's plans (<env>.plan.json, <env>.bootstrap.plan.json) and its
applied-policies record (<env>.applied-policies.json) are read from there when present; the
environments without them are planned here, offline: a throwaway copy of infra/, a local
backend, the local AWS emulator (emulator.py) answering the plan's API calls. Nothing is
written into the project. It fails, naming each finding's document and statement, on any
finding not skipped inline.

cloudsplaining runs in its own environment (its pins clash with the project's): the command
that starts a Python importing it is given by --cloudsplaining (the Makefile's pinned
`uv tool run`), or DAYONE_CLOUDSPLAINING names an installed cloudsplaining executable. It
is run in its "resource-ARN statements too" mode: a risky action is flagged even when scoped
to a resource pattern (which may cover the policy itself). cloudsplaining reasons on actions only, so each
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
  role that starts the image build or a training job). Like a skip, a pass covers its own
  statement and nothing else: the report names each one (document, Sid, roles passed), and
  any other statement granting iam:PassRole is scanned.

cloudsplaining's "infrastructure modification" list is not a finding here: in this mode it
names every write action, and writing its own environment's resources is what a deploy role
is for.

Findings other than privilege escalation may be skipped, inline in the Terraform, with a reason,
in the comment lines right above the `data "aws_iam_policy_document"` block they annotate:

    #iam-scan:skip=<FindingType>:<action>:<reason of more than 20 characters>
    data "aws_iam_policy_document" "deploy" {

A skip covers that block's statements that name the action itself, and nothing else: not the
same finding in another policy, nor a statement granting the action by a wildcard. A plan
document is traced to its data block through the plan's configuration (the references of the
resource's policy argument); a document read back after apply (`applied_documents`), which
has no Terraform address, through the plan document of the same kind and name. A
privilege-escalation finding cannot be skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any


class ScanError(Exception):
    """Bad input (a record, a skip) or a tool that failed: one line says what."""


# What the emulated apply (apply_destroy.py --out-dir) keeps per environment.
PLAN_SUFFIX = ".plan.json"
BOOTSTRAP_PLAN_SUFFIX = ".bootstrap.plan.json"
APPLIED_SUFFIX = ".applied-policies.json"


@lru_cache(maxsize=4096)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(f"\\A{body}\\Z", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """AWS wildcard matching: `*` any run of characters (also `/` and `:`), `?` one."""
    return _wildcard(pattern, ignore_case).match(value) is not None


CLOUDSPLAINING_ENV_VAR = "DAYONE_CLOUDSPLAINING"
UNSKIPPABLE = "PrivilegeEscalation"
FINDING_TYPES = (
    "PrivilegeEscalation",
    "ResourceExposure",
    "DataExfiltration",
    "CredentialsExposure",
    "ServiceWildcard",
)
SKIP_PATTERN = re.compile(r"#\s*iam-scan:skip=([A-Za-z]+):([A-Za-z0-9-]+:[A-Za-z0-9*]+):(.*)$")
POLICY_DATA_BLOCK = re.compile(r'^data\s+"aws_iam_policy_document"\s+"([A-Za-z0-9_-]+)"\s*\{')
# A data source of the policy documents in an expression's references.
POLICY_DATA_REFERENCE = re.compile(r"^data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)")
# The instance keys of an address (`[0]`, `["prod"]`): configuration addresses have none.
INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\]')

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
class DataBlock:
    """A `data "aws_iam_policy_document"` block: its module's folder (relative to infra/,
    e.g. "stack" or "modules/ml_iam") and its name."""

    module: str
    name: str

    def __str__(self) -> str:
        return f"{self.module}/data.aws_iam_policy_document.{self.name}"


@dataclass(frozen=True)
class Skip:
    """One `#iam-scan:skip` line and the data block it annotates."""

    finding_type: str
    action: str  # lower case, as compared
    reason: str
    block: DataBlock
    where: str  # file:line, relative to infra/


@dataclass(frozen=True)
class PolicyDocument:
    address: str  # the Terraform address; for a document read back after apply, its ARN
    kind: str  # identity, trust or resource
    name: str
    document: dict[str, Any] | None  # None: not known until apply
    # The data blocks its text comes from: where skips that apply to it are written.
    sources: tuple[DataBlock, ...] = ()
    applied: bool = False  # read back from the cloud after apply, not from the plan
    # The role a trust or inline policy belongs to (None for managed and resource policies).
    role: str | None = None

    @property
    def known(self) -> bool:
        return self.document is not None

    @property
    def label(self) -> str:
        """How findings name it: its address; for a document read back, also its name where
        the ARN (a role's, for the role's inline policies) does not end with it."""
        if not self.applied or re.search(rf"[/:]{re.escape(self.name)}\Z", self.address):
            return self.address
        return f"{self.address} ({self.kind} policy {self.name})"


@dataclass
class Finding:
    address: str
    type: str
    actions: tuple[str, ...]
    detail: str = ""
    # The statements (Sid, or position) that grant the actions, where known.
    statements: tuple[str, ...] = ()


@dataclass
class ScanReport:
    documents: list[PolicyDocument]
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    gated: int = 0  # Allow statements set aside as boundary-gated
    # iam:PassRole statements set aside as role-bound passes, each named like a skipped
    # finding (document, statement, the roles it passes): a pass covers its own statement only.
    passes: list[Finding] = field(default_factory=list)

    @property
    def unknown(self) -> list[PolicyDocument]:
        return [d for d in self.documents if not d.known]

    @property
    def read_back(self) -> list[PolicyDocument]:
        return [d for d in self.documents if d.applied]

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


def _policy_sources(
    plan: Mapping[str, Any], root_dir: str
) -> dict[tuple[str, str], tuple[DataBlock, ...]]:
    """(configuration address, attribute) -> the policy data blocks the attribute references,
    from the plan's configuration; module folders resolved from `root_dir` (relative to
    infra/) through the module calls' local sources."""
    sources: dict[tuple[str, str], tuple[DataBlock, ...]] = {}

    def walk(module: Mapping[str, Any], prefix: str, folder: str | None) -> None:
        for resource in module.get("resources", []):
            for attribute, expression in (resource.get("expressions") or {}).items():
                if folder is None or not isinstance(expression, dict):
                    continue
                names = {
                    found.group(1)
                    for reference in expression.get("references", [])
                    if (found := POLICY_DATA_REFERENCE.match(reference))
                }
                blocks = tuple(DataBlock(folder, name) for name in sorted(names))
                sources[(prefix + resource["address"], attribute)] = blocks
        for name, call in (module.get("module_calls") or {}).items():
            source = str(call.get("source", ""))
            local = source.startswith(("./", "../"))
            child = (
                posixpath.normpath(posixpath.join(folder, source))
                if folder is not None and local
                else None
            )
            walk(call.get("module", {}), f"{prefix}module.{name}.", child)

    walk((plan.get("configuration") or {}).get("root_module", {}), "", root_dir)
    return sources


def policy_documents(plan: Mapping[str, Any], root_dir: str | None = None) -> list[PolicyDocument]:
    """Every IAM policy document a plan (or a state, `terraform show -json`) will create.

    A document whose value is unknown until apply (it names an ARN made in the same apply) is
    returned with `document=None`, so the caller can count and report it. `root_dir` is the
    planned root module's folder relative to infra/ (e.g. "envs/dev"): with it, each document
    knows the data blocks it comes from, so the inline skips written there apply to it.
    """
    sources = _policy_sources(plan, root_dir) if root_dir is not None else {}
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
                    document = _normalised(json.loads(text))
                blocks = sources.get((INSTANCE_KEY.sub("", address), attribute), ())
                role = values.get("name") if type_ == "aws_iam_role" else values.get("role")
                found.append(
                    PolicyDocument(
                        address,
                        kind,
                        _name(values, address),
                        document,
                        blocks,
                        role=role if isinstance(role, str) and type_ in ROLE_DOCUMENTS else None,
                    )
                )
    return _owned_by_roles_of_their_module(found)


def _module_of(address: str) -> str:
    """The module part of a resource address ("" at the root): all but its type and name."""
    return address.rsplit(".", 2)[0] if address.count(".") >= 2 else ""


def _owned_by_roles_of_their_module(found: list[PolicyDocument]) -> list[PolicyDocument]:
    """An inline policy whose role is not known at plan time (`role = aws_iam_role.this.id`)
    belongs to the one role of its module, when its module has one."""
    roles_by_module: dict[str, list[str]] = {}
    for document in found:
        if document.kind == "trust" and document.role:
            roles_by_module.setdefault(_module_of(document.address), []).append(document.role)
    owned = []
    for document in found:
        roles = roles_by_module.get(_module_of(document.address), [])
        inline = document.address.split(".")[-2] == "aws_iam_role_policy"
        if document.role is None and inline and len(roles) == 1:
            document = replace(document, role=roles[0])
        owned.append(document)
    return owned


def _normalised(document: dict[str, Any]) -> dict[str, Any]:
    """IAM accepts one statement as an object; the scan reads a list."""
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        return {**document, "Statement": [statements]}
    return document


# ---- Documents read back after an apply -----------------------------------------------------

KINDS = ("identity", "trust", "resource")
# A role's ARN (the address of its trust and inline policies in a record): its name.
ROLE_ARN = re.compile(r"^arn:[^:]+:iam::[0-9]*:role/(?:.*/)?([^/]+)\Z")


def read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ScanError(f"{path.name}: not a readable {what} ({error})") from None


def applied_documents(path: Path) -> list[PolicyDocument]:
    """The documents of an applied-policies record: a JSON list of

        {"name": str, "kind": "identity" | "trust" | "resource", "address": "<ARN>",
         "document": {...}}

    `name` is what Terraform names the document's resource: a managed policy's or an inline
    policy's name, the role's name for its trust policy, the bucket's or the repository's name
    for a resource policy (so a document is matched to the plan's, and to its data block's
    skips, by kind and name); `address` is the ARN of the policy, or of the role, bucket or
    repository that holds it (a trust or inline policy's role is the one its address names);
    `document` is the policy itself, as a JSON object. An entry may also list, as "roles",
    the names of the roles it applies to (its role; for a managed policy, every role it is
    attached to or bounds; none for a resource policy): infra/local's writer does.
    """
    entries = read_json(path, "JSON file")
    if not isinstance(entries, list):
        raise ScanError(f"{path.name}: must hold a JSON list of policy documents")
    documents = []
    for number, entry in enumerate(entries):
        where = f"{path.name}: entry {number}"
        if not isinstance(entry, dict):
            raise ScanError(f"{where}: must be an object with name, kind, address, document")
        name, kind, address, document = (
            entry.get(k) for k in ("name", "kind", "address", "document")
        )
        if not isinstance(name, str) or not name or not isinstance(address, str) or not address:
            raise ScanError(f"{where}: name and address must be non-empty strings")
        if kind not in KINDS:
            raise ScanError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if not isinstance(document, dict) or not isinstance(document.get("Statement"), list | dict):
            raise ScanError(f"{where}: document must be a policy object with a Statement")
        roles = entry.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) and r for r in roles):
            raise ScanError(f"{where}: roles, when given, must be a list of role names")
        role = ROLE_ARN.search(address)
        owner = role.group(1) if role and kind in ("trust", "identity") else None
        documents.append(
            PolicyDocument(address, kind, name, _normalised(document), applied=True, role=owner)
        )
    return documents


def with_applied(
    planned: Sequence[PolicyDocument], applied: Sequence[PolicyDocument]
) -> list[PolicyDocument]:
    """An environment's documents after its apply: every document read back, carrying the data
    blocks (and so the skips) of the planned document of the same kind and name, then the
    planned documents the record does not hold.

    A planned document whose name was unknown at plan time too (a bucket policy names its
    bucket by a reference) is taken as read back if the record holds a document of its kind
    that matched no planned name; what remains unknown was not read back, and the scan
    reports it as a finding.
    """
    remaining = list(planned)
    merged: list[PolicyDocument] = []
    unmatched: dict[str, int] = {}
    for document in applied:
        twin = next(
            (p for p in remaining if (p.kind, p.name) == (document.kind, document.name)), None
        )
        if twin is None:
            unmatched[document.kind] = unmatched.get(document.kind, 0) + 1
            merged.append(document)
            continue
        remaining.remove(twin)
        merged.append(replace(document, sources=twin.sources, role=document.role or twin.role))
    for document in remaining:
        if not document.known and unmatched.get(document.kind, 0) > 0:
            unmatched[document.kind] -= 1
            continue
        merged.append(document)
    return merged


SKIPPABLE = tuple(t for t in FINDING_TYPES if t != UNSKIPPABLE)


def inline_skips(infra: Path) -> list[Skip]:
    """Every `#iam-scan:skip=` comment in infra/**/*.tf, with the data block it annotates:
    the `data "aws_iam_policy_document"` block right below its comment lines."""
    skips: list[Skip] = []
    for tf in sorted(infra.rglob("*.tf")):
        if ".terraform" in tf.parts:
            continue
        file = tf.relative_to(infra).as_posix()
        pending: list[tuple[str, str, str, str]] = []
        for number, line in enumerate(tf.read_text(encoding="utf-8").splitlines(), start=1):
            found = SKIP_PATTERN.search(line)
            if found:
                finding_type, action, reason = found.groups()
                where = f"{file}:{number}"
                if finding_type == UNSKIPPABLE:
                    raise ScanError(f"{where}: a privilege-escalation finding cannot be skipped")
                if finding_type not in SKIPPABLE:
                    raise ScanError(
                        f"{where}: unknown finding type {finding_type!r} in an iam-scan skip; "
                        f"one of {', '.join(SKIPPABLE)}"
                    )
                if len(reason.strip()) <= 20:
                    raise ScanError(f"{where}: iam-scan skip of {action} needs a reason")
                pending.append((finding_type, action.lower(), reason.strip(), where))
                continue
            stripped = line.strip()
            if not pending or stripped.startswith(("#", "//")):
                continue
            block = POLICY_DATA_BLOCK.match(stripped)
            if block is None:
                raise ScanError(
                    f"{pending[0][3]}: an iam-scan skip must sit in the comment lines right "
                    'above the data "aws_iam_policy_document" block it applies to'
                )
            data_block = DataBlock(tf.parent.relative_to(infra).as_posix(), block.group(1))
            skips += [Skip(t, a, r, data_block, w) for t, a, r, w in pending]
            pending = []
        if pending:
            raise ScanError(
                f"{pending[0][3]}: an iam-scan skip must sit in the comment lines right "
                'above the data "aws_iam_policy_document" block it applies to'
            )
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


def cloudsplaining_python(env: Mapping[str, str], command: str = "") -> list[str]:
    """The command that starts a Python which imports cloudsplaining: the interpreter of
    DAYONE_CLOUDSPLAINING's environment, else `command` (the Makefile's pinned
    `uv tool run --from cloudsplaining==<version> python`)."""
    configured = env.get(CLOUDSPLAINING_ENV_VAR)
    if not configured:
        if not command.strip():
            raise ScanError(
                "give the command that runs cloudsplaining's Python (--cloudsplaining), "
                f"or set {CLOUDSPLAINING_ENV_VAR}"
            )
        return shlex.split(command)
    path = Path(configured)
    python = path.with_name("python")
    if python.exists():
        return [str(python)]
    if path.is_file():
        first = path.read_text(encoding="utf-8", errors="replace").splitlines()[0]
        if first.startswith("#!"):
            return [first[2:].strip().split()[0]]
    raise ScanError(f"{CLOUDSPLAINING_ENV_VAR}={configured}: cannot find its Python")


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
        raise ScanError(f"cloudsplaining failed:\n{completed.stderr[-3000:]}")
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
            findings.append(Finding(document.label, "OpenTrust", ("sts:AssumeRole",)))
        principal = statement.get("Principal", {})
        if isinstance(principal, dict) and "Federated" in principal:
            keys = {
                key.split(":")[-1].lower()
                for tests in (statement.get("Condition") or {}).values()
                for key in tests
            }
            if not {"aud", "sub"} <= keys:
                findings.append(
                    Finding(document.label, "UnpinnedWebIdentity", (), "aud and sub must be tested")
                )
    return findings


def resource_policy_findings(document: PolicyDocument) -> list[Finding]:
    """A bucket or repository policy must grant nothing to everyone."""
    findings = []
    for statement in (document.document or {}).get("Statement", []):
        if statement.get("Effect") == "Allow" and "*" in _principals(statement):
            actions = statement.get("Action", [])
            actions = tuple(actions if isinstance(actions, list) else [actions])
            findings.append(Finding(document.label, "PublicResourcePolicy", actions))
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
) -> tuple[dict[str, Any], int, list[Mapping[str, Any]]]:
    """The document cloudsplaining sees (see the module notes), how many Allow statements
    were set aside as boundary-gated, and the statements set aside as role-bound passes."""
    kept: list[Mapping[str, Any]] = []
    gated = 0
    passes: list[Mapping[str, Any]] = []
    for statement in document.get("Statement", []):
        if statement.get("Effect") == "Deny" and _narrow(statement):
            continue
        if _boundary_gated(statement, boundaries):
            gated += 1
            continue
        roles = passed_roles(statement)
        if roles is not None and set(roles) <= (bounded or set()):
            passes.append(statement)
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
    skips: Sequence[Skip] = (),
) -> ScanReport:
    """Scan the known documents; findings matched by an inline skip are set aside."""
    return scan_plans({"": documents}, cloudsplaining, skips)[""]


def scan_plans(
    documents_by_plan: Mapping[str, Sequence[PolicyDocument]],
    cloudsplaining: Sequence[str],
    skips: Sequence[Skip] = (),
) -> dict[str, ScanReport]:
    """Scan several plans' documents (one report per plan) with ONE cloudsplaining process:
    starting it takes seconds, and the scan covers every environment."""
    staged = {label: _stage(documents) for label, documents in documents_by_plan.items()}
    batch = [doc for _report, _identity, prepared in staged.values() for doc in prepared]
    results = iter(run_cloudsplaining(cloudsplaining, batch))
    reports = {}
    for label, (report, identity, prepared) in staged.items():
        per_document = [next(results) for _ in prepared]
        _record_findings(report, identity, prepared, per_document, skips)
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
        report.findings.append(Finding(boundaries[arn].label, "BoundaryGrantsIam", (), arn))
    bounded = bounded_roles(documents)
    prepared = [for_cloudsplaining(d.document or {}, trusted, bounded) for d in identity]
    report.gated = sum(gated for _doc, gated, _passes in prepared)
    for document, (_doc, _gated, passes) in zip(identity, prepared, strict=True):
        report.passes += [
            Finding(
                document.label,
                "RoleBoundPass",
                ("iam:PassRole",),
                "of " + ", ".join(passed_roles(statement) or ()),
                (_statement_label(document.document or {}, statement),),
            )
            for statement in passes
        ]
    return report, identity, [doc for doc, _gated, _passes in prepared]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _grants(statement: Mapping[str, Any], action: str) -> bool:
    """Whether an Allow statement grants `action` (by name, wildcard or NotAction)."""
    if statement.get("Effect") != "Allow":
        return False
    if "NotAction" in statement:
        excluded = _as_list(statement["NotAction"])
        return not any(wildcard_match(p, action, ignore_case=True) for p in excluded)
    patterns = _as_list(statement.get("Action"))
    return any(wildcard_match(p, action, ignore_case=True) for p in patterns)


def _names(statement: Mapping[str, Any], action: str) -> bool:
    """Whether a statement names `action` itself (not by a wildcard or NotAction)."""
    return action.lower() in {str(a).lower() for a in _as_list(statement.get("Action"))}


def _statement_label(document: Mapping[str, Any], statement: Mapping[str, Any]) -> str:
    if statement.get("Sid"):
        return str(statement["Sid"])
    statements = document.get("Statement", [])
    position = next((i for i, s in enumerate(statements) if s is statement), None)
    return f"Statement[{'?' if position is None else position}]"


def _skip_scope(
    document: PolicyDocument,
    seen: Mapping[str, Any],
    kind: str,
    actions: Sequence[str],
    skips: Sequence[Skip],
) -> tuple[bool, tuple[str, ...]]:
    """Whether a finding of `document` is skipped, and the statements granting its actions.

    Skipped when, for each action, every statement cloudsplaining saw that grants it names it
    and a skip of (kind, action) annotates one of the document's data blocks."""
    granting: list[Mapping[str, Any]] = []
    covered = kind != UNSKIPPABLE
    for action in actions:
        statements = [s for s in seen.get("Statement", []) if _grants(s, action)]
        granting += [s for s in statements if not any(s is g for g in granting)]
        annotated = any(
            skip.finding_type == kind and skip.action == action.lower()
            for skip in skips
            if skip.block in document.sources
        )
        if not (annotated and statements and all(_names(s, action) for s in statements)):
            covered = False
    labels = tuple(_statement_label(document.document or {}, s) for s in granting)
    return covered, labels


def _record_findings(
    report: ScanReport,
    identity: Sequence[PolicyDocument],
    prepared: Sequence[Mapping[str, Any]],
    results: Sequence[list[tuple[str, str, tuple[str, ...]]]],
    skips: Sequence[Skip],
) -> None:
    for document, seen, per_document in zip(identity, prepared, results, strict=True):
        for kind, method, actions in per_document:
            skipped, statements = _skip_scope(document, seen, kind, actions, skips)
            finding = Finding(document.label, kind, actions, method, statements)
            (report.skipped if skipped else report.findings).append(finding)
    for document in report.documents:
        if document.known and document.kind == "trust":
            report.findings += trust_findings(document)
        if document.known and document.kind == "resource":
            report.findings += resource_policy_findings(document)
    if report.read_back:  # after an apply, every document must have been read and scanned
        report.findings += [
            Finding(d.label, "NotReadBack", (), "unknown at plan and not in the applied record")
            for d in report.unknown
        ]


def describe(report: ScanReport, label: str) -> str:
    known = len(report.documents) - len(report.unknown)
    kinds = sorted({d.kind for d in report.documents})
    applied = f" ({len(report.read_back)} read back after apply)" if report.read_back else ""
    line = (
        f"{label}: {known} policy documents scanned{applied} ({', '.join(kinds)}), "
        f"{len(report.unknown)} known only at apply and not scanned, "
        f"{len(report.findings)} findings, {len(report.skipped)} skipped inline, "
        f"{report.gated} boundary-gated statements, {len(report.passes)} role-bound passes"
    )
    details = [f"  {_finding_line(f)}" for f in report.findings]
    details += [f"  skipped: {_finding_line(f)}" for f in report.skipped]
    details += [f"  set aside: {_finding_line(f)}" for f in report.passes]
    return "\n".join([line, *details])


def _finding_line(finding: Finding) -> str:
    text = " ".join(p for p in (finding.type, finding.detail, ", ".join(finding.actions)) if p)
    where = f" ({', '.join(finding.statements)})" if finding.statements else ""
    return f"{text} in {finding.address}{where}"


# ---- The plans: the emulated apply's records, or planned here on the emulator ---------------

HERE = Path(__file__).resolve().parent
INFRA = HERE.parent
# A plan needs no backend: the environment's S3 backend is replaced, in the copy only.
LOCAL_BACKEND = 'terraform {\n  backend "local" {}\n}\n'


def environments(infra: Path = INFRA) -> list[str]:
    return sorted(p.name for p in (infra / "envs").iterdir() if p.is_dir())


def read_plan(path: Path) -> dict[str, Any]:
    plan = read_json(path, "JSON plan")
    if not isinstance(plan, dict):
        raise ScanError(f"{path.name}: not a plan (`terraform show -json` of a plan)")
    return plan


def plan_offline(
    wanted: Sequence[tuple[str, str]], infra: Path = INFRA
) -> dict[tuple[str, str], Any]:
    """(environment, "stack" | "bootstrap") -> its plan, made on the local emulator as the
    account's administrator: no cloud, no state, nothing written into the project."""
    if not wanted:
        return {}
    sys.path.insert(0, str(HERE))
    from apply_destroy import (
        OVERRIDE,
        PROVIDER_OVERRIDE,
        Credentials,
        Failed,
        Terraform,
        say,
        terraform_environment,
    )
    from emulator import ACCOUNT_ID, running_emulator

    plans: dict[tuple[str, str], Any] = {}
    with tempfile.TemporaryDirectory(prefix="iam-scan-") as scratch, running_emulator() as emulator:
        copy = Path(scratch) / "infra"
        shutil.copytree(
            infra,
            copy,
            ignore=shutil.ignore_patterns(
                ".terraform", "*.tfstate*", "*.tfplan", "tfplan", "terraform.tfstate.d", "local"
            ),
        )
        admin = Credentials(*emulator.admin_credentials(ACCOUNT_ID))
        provider = PROVIDER_OVERRIDE % admin.fields("  ")
        for environment, part in wanted:
            say(f"  {environment}: planning the {part} on the local emulator")
            tf = Terraform(terraform_environment(emulator, Path(scratch)), environment)
            var_file = (copy / "envs" / environment / "terraform.tfvars.json").resolve()
            directory = copy / "bootstrap" if part == "bootstrap" else copy / "envs" / environment
            override = provider if part == "bootstrap" else provider + LOCAL_BACKEND
            (directory / OVERRIDE).write_text(override, encoding="utf-8")
            plan_file = Path(scratch) / f"{environment}.{part}.tfplan"
            extra = [f"-var-file={var_file}"] if part == "bootstrap" else []
            try:
                tf(directory, "init", "-input=false")
                tf(directory, "plan", "-input=false", f"-out={plan_file}", *extra)
                shown = tf(directory, "show", "-json", str(plan_file))
            except Failed as error:
                raise ScanError(f"{environment}'s {part}: {error}") from None
            plans[(environment, part)] = json.loads(shown)
    return plans


def documents_by_environment(
    out_dir: Path | None, infra: Path = INFRA
) -> dict[str, list[PolicyDocument]]:
    """Every environment's documents: its stack's and its bootstrap's plans (each traced to
    its data blocks from its own root folder), with what the apply read back, if recorded.
    The plans made here are written to `out_dir` too, next to the apply's."""
    envs = environments(infra)
    suffixes = {"stack": PLAN_SUFFIX, "bootstrap": BOOTSTRAP_PLAN_SUFFIX}
    recorded = {
        (env, part): out_dir / f"{env}{suffix}"
        for env in envs
        for part, suffix in suffixes.items()
        if out_dir is not None and (out_dir / f"{env}{suffix}").is_file()
    }
    missing = [(e, p) for e in envs for p in suffixes if (e, p) not in recorded]
    plans = {key: read_plan(path) for key, path in recorded.items()}
    for (env, part), plan in plan_offline(missing, infra).items():
        plans[(env, part)] = plan
        if out_dir is not None:  # kept with the apply's records
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / f"{env}{suffixes[part]}").write_text(json.dumps(plan), encoding="utf-8")
    documents = {}
    for env in envs:
        documents[env] = [
            *policy_documents(plans[(env, "stack")], f"envs/{env}"),
            *policy_documents(plans[(env, "bootstrap")], "bootstrap"),
        ]
        record = out_dir / f"{env}{APPLIED_SUFFIX}" if out_dir is not None else None
        if record is not None and record.is_file():
            documents[env] = with_applied(documents[env], applied_documents(record))
    return documents


def scan(
    out_dir: Path | None, cloudsplaining: Sequence[str], infra: Path = INFRA
) -> tuple[bool, str]:
    """(passed, the report): no privilege escalation, and every other finding fixed or
    skipped inline with a reason (see the module notes)."""
    skips = inline_skips(infra)
    reports = scan_plans(documents_by_environment(out_dir, infra), cloudsplaining, skips)
    lines = [describe(report, env) for env, report in reports.items()]
    return not any(report.findings for report in reports.values()), "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out-dir", type=Path, help="the emulated apply's records (make infra-local OUT_DIR=)"
    )
    parser.add_argument(
        "--cloudsplaining",
        default="",
        help="the command that starts a Python importing cloudsplaining (the Makefile's pin)",
    )
    args = parser.parse_args(argv)
    try:
        python = cloudsplaining_python(os.environ, args.cloudsplaining)
        passed, report = scan(args.out_dir, python)
    except ScanError as error:
        print(f"iam scan: {error}", file=sys.stderr)
        return 1
    print(report)
    if not passed:
        print("iam scan: findings above (privilege escalation cannot be skipped)", file=sys.stderr)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
