"""Self-escalation of the CI identities of a GCP project, found in its rendered Terraform.

There is no emulator of GCP IAM (nothing like moto's IAM enforcement exists for Google
Cloud), and the google provider is not available offline, so nothing here is applied or
planned. Instead every environment's Terraform (infra/bootstrap and infra/envs/<env>, with
that environment's terraform.tfvars.json) is evaluated by dayone.hcl_eval, and its IAM
bindings (role, member, where, condition) are held against these rules:

- The CI identities are the service accounts a Workload Identity pool's principals may act
  as (roles/iam.workloadIdentityUser to a principal:// or principalSet:// member), and
  those principals themselves. The identities CI can assume are these, and every service
  account one of them may act as, create tokens or keys for (SA-level bindings of the roles
  in IMPERSONATE, or project-level ones: then every service account of the project).
- No identity CI can assume may: set the IAM policy of a CI identity (on the project, or on
  that service account); create keys or tokens for a CI identity, or act as one; modify the
  Workload Identity pool or its providers; change custom roles; or grant roles, unless an
  IAM condition limits the roles it may grant
  (`api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([...])`) to
  roles that can do none of this. No other condition is accepted: IAM Conditions cannot
  name service accounts or pools (iam.googleapis.com is not among the services that
  recognise resource attributes), so no condition can exclude the CI identities.

What is not evaluated (an unknown member or role on such a binding) is reported, not
passed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dayone import hcl_eval
from dayone.checks.runner import CheckContext, CheckFailed
from dayone.checks.runner import environments as project_environments
from dayone.errors import DayoneError

# Roles, by what they let a member do to the CI identities (predefined roles only: a custom
# role's permissions are not in the Terraform that grants it, so granting one to an identity
# CI can assume is reported as unknown).
SET_IAM_POLICY = {
    "roles/owner",
    "roles/iam.securityAdmin",
    "roles/iam.serviceAccountAdmin",
}
CREDENTIALS = {
    "roles/owner",
    "roles/editor",
    "roles/iam.serviceAccountKeyAdmin",
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountUser",
    "roles/iam.workloadIdentityUser",
    "roles/iam.serviceAccountOpenIdTokenCreator",
}
WIF_ADMIN = {
    "roles/owner",
    "roles/editor",
    "roles/iam.workloadIdentityPoolAdmin",
}
GRANTS = {
    "roles/owner",
    "roles/iam.securityAdmin",
    "roles/resourcemanager.projectIamAdmin",
    "roles/resourcemanager.folderIamAdmin",
    "roles/resourcemanager.organizationAdmin",
}
ROLE_ADMIN = {"roles/owner", "roles/iam.roleAdmin", "roles/iam.organizationRoleAdmin"}
# Roles that let a member become a service account (on it, or on every one of a project).
IMPERSONATE = {
    "roles/owner",
    "roles/editor",
    "roles/iam.serviceAccountKeyAdmin",
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountUser",
    "roles/iam.workloadIdentityUser",
}
ESCALATING = SET_IAM_POLICY | CREDENTIALS | WIF_ADMIN | GRANTS | ROLE_ADMIN

GRANT_LIMIT = re.compile(
    r"""\A\s*api\.getAttribute\(\s*['"]iam\.googleapis\.com/modifiedGrantsByRole['"]\s*,"""
    r"""\s*\[\s*\]\s*\)\s*\.hasOnly\(\s*(\[.*\])\s*\)\s*\Z""",
    re.DOTALL,
)

# Binding resources, by the level of what they grant on.
PROJECT_LEVEL = (
    "google_project_iam_member",
    "google_project_iam_binding",
    "google_folder_iam_member",
    "google_folder_iam_binding",
    "google_organization_iam_member",
    "google_organization_iam_binding",
)
SERVICE_ACCOUNT_LEVEL = ("google_service_account_iam_member", "google_service_account_iam_binding")
POOL_LEVEL = (
    "google_iam_workload_identity_pool_iam_member",
    "google_iam_workload_identity_pool_iam_binding",
)
# Authoritative policies replace a whole policy: not evaluated, always reported.
POLICIES = (
    "google_project_iam_policy",
    "google_folder_iam_policy",
    "google_organization_iam_policy",
    "google_service_account_iam_policy",
    "google_iam_workload_identity_pool_iam_policy",
)
WIF_MEMBER = ("principal://", "principalSet://")


@dataclass(frozen=True)
class Binding:
    address: str
    level: str  # project, service_account or pool
    target: str  # the service account's e-mail for service_account; else the resource
    role: Any
    member: Any
    condition: str | None


@dataclass(frozen=True)
class Finding:
    environment: str
    address: str
    member: str
    role: str
    what: str

    def __str__(self) -> str:
        return f"{self.environment}: {self.member} holds {self.role} ({self.address}): {self.what}"


@dataclass
class Report:
    environments: list[str] = field(default_factory=list)
    bindings: int = 0
    ci_identities: dict[str, list[str]] = field(default_factory=dict)  # env -> members
    assumable: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def describe(self) -> str:
        lines = [
            f"{len(self.environments)} environments, {self.bindings} IAM bindings evaluated from "
            "the rendered Terraform (no emulator of GCP IAM exists: nothing is applied), "
            f"{len(self.findings)} self-escalations"
        ]
        for env in self.environments:
            ci = ", ".join(_short(m) for m in self.ci_identities.get(env, [])) or "none"
            others = sorted(set(self.assumable.get(env, [])) - set(self.ci_identities.get(env, [])))
            lines.append(
                f"  {env}: CI identities {ci}; also assumable by CI: "
                f"{', '.join(_short(m) for m in others) or 'none'}"
            )
        lines += [f"  {finding}" for finding in self.findings]
        return "\n".join(lines)


def _short(member: str) -> str:
    if member.startswith(WIF_MEMBER):
        return member.split("/workloadIdentityPools/", 1)[-1]
    return member.removeprefix("serviceAccount:").split("@", 1)[0]


def _service_account_email(resource_id: Any) -> Any:
    if isinstance(resource_id, str) and "/serviceAccounts/" in resource_id:
        return resource_id.rsplit("/serviceAccounts/", 1)[1]
    return resource_id


def bindings(infra: Path, environment: str) -> list[Binding]:
    """Every IAM binding of one environment: infra/bootstrap (in the environment's workspace)
    and infra/envs/<environment>, with the environment's terraform.tfvars.json."""
    tfvars_path = infra / "envs" / environment / "terraform.tfvars.json"
    try:
        tfvars = json.loads(tfvars_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DayoneError(f"{tfvars_path}: cannot read it ({error})") from None
    found: list[Binding] = []
    roots = [(infra / "bootstrap", environment), (infra / "envs" / environment, "default")]
    for root_dir, workspace in roots:
        if not root_dir.is_dir():
            continue
        root = hcl_eval.root_instance(root_dir, tfvars, workspace)
        prefix = "bootstrap: " if root_dir.name == "bootstrap" else ""
        for resource in root.resources():
            found += _bindings_of(resource, prefix)
    return found


def _bindings_of(resource: hcl_eval.ResourceValue, prefix: str) -> Iterator[Binding]:
    type_ = resource.block.labels[0]
    address = prefix + resource.address
    if type_ in POLICIES:
        yield Binding(
            address,
            "policy",
            type_,
            hcl_eval.Unknown("authoritative policy"),
            hcl_eval.Unknown("every member"),
            None,
        )
        return
    if type_ in PROJECT_LEVEL:
        scope = type_.split("_")[1]  # project, folder or organization
        level, target = "project", resource.get({"organization": "org_id"}.get(scope, scope))
    elif type_ in SERVICE_ACCOUNT_LEVEL:
        level, target = (
            "service_account",
            _service_account_email(resource.get("service_account_id")),
        )
    elif type_ in POOL_LEVEL:
        level, target = "pool", resource.get("workload_identity_pool_id")
    else:
        return  # resource-level bindings (buckets, datasets, repositories) reach no identity
    members = [resource.get("member")] if type_.endswith("_member") else resource.get("members")
    conditions = resource.nested("condition")
    condition = conditions[0].get("expression") if conditions else None
    for member in members if isinstance(members, list) else [members]:
        yield Binding(address, level, str(target), resource.get("role"), member, condition)


def _limited_grants(condition: str | None) -> list[str] | None:
    """The roles a modifiedGrantsByRole condition lets the member grant, or None."""
    if condition is None:
        return None
    match = GRANT_LIMIT.match(condition)
    if match is None:
        return None
    try:
        roles = json.loads(match.group(1).replace("'", '"'))
    except ValueError:
        return None
    return [str(r) for r in roles] if isinstance(roles, list) else None


def analyse(
    environment: str, found: Sequence[Binding]
) -> tuple[list[str], list[str], list[Finding]]:
    """(CI identities, identities CI can assume, findings) of one environment's bindings."""
    known = [b for b in found if isinstance(b.member, str) and isinstance(b.role, str)]
    ci: set[str] = set()
    for b in known:
        trusted = b.level == "service_account" and b.role == "roles/iam.workloadIdentityUser"
        if trusted and b.member.startswith(WIF_MEMBER):
            ci |= {b.member, f"serviceAccount:{b.target}"}
    accounts = {f"serviceAccount:{b.target}" for b in known if b.level == "service_account"}
    accounts |= {b.member for b in known if b.member.startswith("serviceAccount:")}
    assumable = set(ci)
    changed = True
    while changed:  # every service account reachable from CI by acting as one
        changed = False
        for b in known:
            if b.member not in assumable or b.role not in IMPERSONATE:
                continue
            reached = {f"serviceAccount:{b.target}"} if b.level == "service_account" else accounts
            if not reached <= assumable:
                assumable |= reached
                changed = True
    findings = [f for b in found for f in _escalations(environment, b, ci, assumable)]
    return sorted(ci), sorted(assumable), findings


def _escalations(
    environment: str, b: Binding, ci: set[str], assumable: set[str]
) -> Iterator[Finding]:
    member, role = b.member, b.role
    if b.level == "policy":
        yield Finding(
            environment,
            b.address,
            "every member",
            b.target,
            "an authoritative IAM policy is not evaluated: write *_iam_member bindings",
        )
        return
    if isinstance(member, hcl_eval.Unknown) or (
        isinstance(member, str) and member not in assumable and "<" in member
    ):
        if not isinstance(role, str) or role in ESCALATING:
            yield Finding(
                environment, b.address, str(member), str(role), "cannot tell who holds this role"
            )
        return
    if not isinstance(member, str) or member not in assumable:
        return
    if not isinstance(role, str):
        yield Finding(
            environment,
            b.address,
            member,
            str(role),
            "cannot tell which role an identity CI can assume holds",
        )
        return
    if b.level == "service_account":
        account = f"serviceAccount:{b.target}"
        if "<" in b.target and role in ESCALATING:
            yield Finding(environment, b.address, member, role, "cannot tell on which account")
            return
        if account not in ci:
            return  # acting as a workload account is how CI runs jobs; its own rights are checked
        if role == "roles/iam.workloadIdentityUser" and member.startswith(WIF_MEMBER):
            return  # the trust that makes it a CI identity
        if role in SET_IAM_POLICY:
            yield Finding(
                environment,
                b.address,
                member,
                role,
                f"can set the IAM policy of the CI identity {_short(account)}",
            )
        if role in CREDENTIALS:
            yield Finding(
                environment,
                b.address,
                member,
                role,
                f"can act as, or create keys or tokens for, the CI identity {_short(account)}",
            )
        return
    if b.level == "pool":
        if role in WIF_ADMIN | SET_IAM_POLICY:
            yield Finding(
                environment,
                b.address,
                member,
                role,
                "can modify the Workload Identity pool and its providers",
            )
        return
    if role in SET_IAM_POLICY:
        yield Finding(
            environment,
            b.address,
            member,
            role,
            "can set the IAM policy of every service account of the project, the CI identities included (no IAM condition can exclude them)",
        )
    if role in CREDENTIALS:
        yield Finding(
            environment,
            b.address,
            member,
            role,
            "can act as, or create keys or tokens for, every service account of the project, the CI identities included",
        )
    if role in WIF_ADMIN:
        yield Finding(
            environment,
            b.address,
            member,
            role,
            "can modify the Workload Identity pool and its providers (rewrite which repository it trusts)",
        )
    if role in ROLE_ADMIN:
        yield Finding(
            environment, b.address, member, role, "can change what the project's custom roles grant"
        )
    if role in GRANTS and role not in SET_IAM_POLICY:
        limited = _limited_grants(b.condition)
        if limited is None:
            why = "without" if b.condition is None else "with a condition other than"
            yield Finding(
                environment,
                b.address,
                member,
                role,
                f"can grant roles {why} a modifiedGrantsByRole limit",
            )
        elif escalating := sorted(set(limited) & ESCALATING):
            yield Finding(
                environment,
                b.address,
                member,
                role,
                f"may grant {', '.join(escalating)}, which reach the CI identities",
            )
    if not role.startswith("roles/"):
        yield Finding(
            environment,
            b.address,
            member,
            role,
            "a custom role: its permissions are not known here",
        )


def check_tree(infra: Path) -> Report:
    """Every environment of a GCP project's infra/ (the folders of infra/envs/)."""
    report = Report()
    environments = project_environments(infra.parent)  # the Makefile's deploy order
    if not environments:
        raise DayoneError(f"{infra}/envs holds no environment")
    for environment in environments:
        found = bindings(infra, environment)
        ci, assumable, findings = analyse(environment, found)
        report.environments.append(environment)
        report.bindings += len(found)
        report.ci_identities[environment] = ci
        report.assumable[environment] = assumable
        report.findings += findings
    return report


# ---- the Terraform lane's step ----


def gcp_iam_self_escalation(context: CheckContext) -> str:
    """The GCP project's IAM bindings, evaluated from its Terraform (no emulator of GCP IAM
    exists): no identity CI can assume can change a CI identity, its keys or tokens, the
    Workload Identity pool, or grant roles unlimited (this module)."""
    report = check_tree(context.project / "infra")
    if report.findings:
        raise CheckFailed(report.describe())
    return report.describe()
