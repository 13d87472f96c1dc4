"""The table of `dayone check`'s steps: one entry per step, with its lane, what its cache key
reads, and what it needs. A step that is a make target runs when the project's Makefile
CHECKS names it (the one list of checks, docs/decisions/0008-the-makefile-checks-are-the-one-list.md);
the others are dayone's own steps around those targets (uv sync, the offline GCP schema
and IAM checks, the tree check).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dayone.checks.apply import terraform_emulated_apply, terraform_iam_scan
from dayone.checks.gcp_iam import gcp_iam_self_escalation
from dayone.checks.gcp_schema import gcp_schema_check, gcp_terraform_validate_and_test
from dayone.checks.runner import (
    EMULATOR_LANE,
    LAST,
    PYTHON_LANE,
    TERRAFORM_LANE,
    Check,
    command,
    make,
    tree_unchanged,
)

UV_SYNC = "uv sync (locked)"
TREE_CHECK = "tree unchanged by checks"


def _always(_answers: Mapping[str, object]) -> bool:
    return True


def _has_aws(answers: Mapping[str, object]) -> bool:
    return answers.get("cloud") == "aws"


def _has_gcp(answers: Mapping[str, object]) -> bool:
    return answers.get("cloud") == "gcp"


def _target(
    name: str,
    target: str,
    applies: Callable[[Mapping[str, object]], bool] = _always,
    *,
    lane: str = PYTHON_LANE,
    reads: tuple[str, ...] = ("",),
    in_copy: bool = False,
    needs_project_env: bool = False,
) -> Check:
    """A step that is the project's `make <target>`; the Makefile is among what it reads."""
    terraform = lane == TERRAFORM_LANE
    return Check(
        name,
        make(target, terraform=terraform, in_copy=in_copy),
        applies,
        lane=lane,
        needs_project_env=needs_project_env,
        reads=(*reads, "Makefile") if "" not in reads else reads,
        tools=("terraform",) if terraform or target == "lint" else (),
        targets=(target,),
    )


def _terraform(
    name: str,
    target: str,
    reads: tuple[str, ...] = ("infra/",),
    in_copy: bool = False,
    applies: Callable[[Mapping[str, object]], bool] = _always,
) -> Check:
    return _target(name, target, applies, lane=TERRAFORM_LANE, reads=reads, in_copy=in_copy)


ALL_CHECKS: tuple[Check, ...] = (
    # CI runs the same command before its make targets.
    Check(UV_SYNC, command("uv", "sync", "--locked", "--quiet"), readies_project_env=True),
    _target("pre-commit (all files)", "lint", needs_project_env=True),
    _target("pytest", "test", needs_project_env=True),
    _target("CI files (JSON schema, zizmor)", "ci-lint", reads=(".github/", ".gitlab-ci.yml", ".gitlab/")),
    _terraform("terraform fmt", "infra-fmt"),
    # GCP: no google provider offline, so dayone's schema check stands in for validate; the
    # Makefile's validate and the modules' tests run where the provider is installable, and
    # are reported skipped otherwise (one step for both targets, so the skip is said once).
    Check(
        "GCP schema (offline)", gcp_schema_check, _has_gcp, lane=TERRAFORM_LANE, reads=("infra/",)
    ),
    Check(
        "GCP IAM self-escalation (rendered bindings)",
        gcp_iam_self_escalation,
        _has_gcp,
        lane=TERRAFORM_LANE,
        reads=("infra/",),
    ),
    Check(
        "terraform validate+test (GCP, needs the google provider)",
        gcp_terraform_validate_and_test,
        _has_gcp,
        lane=TERRAFORM_LANE,
        reads=("infra/", "Makefile"),
        tools=("terraform",),
        targets=("infra-validate", "infra-test"),
    ),
    # The modules are the same in every project of a template release: keyed on them alone.
    _terraform("terraform test (modules)", "infra-test", ("infra/modules/",), True, _has_aws),
    _terraform(
        "terraform validate (envs, bootstrap)", "infra-validate", in_copy=True, applies=_has_aws
    ),
    _terraform("checkov (infra/)", "infra-scan"),
    # The emulated apply runs the project's own script in the project's environment; the
    # IAM scan (the project's infra/local/iam_scan.py) then reads the records it kept.
    Check(
        "terraform apply+destroy, emulated",
        terraform_emulated_apply,
        lane=EMULATOR_LANE,
        needs_project_env=True,
        reads=("infra/", "pyproject.toml", "uv.lock", "Makefile"),
        tools=("terraform",),
        targets=("infra-local",),
        writes_records=True,
    ),
    Check(
        "IAM policies (cloudsplaining, all envs)",
        terraform_iam_scan,
        lane=EMULATOR_LANE,
        needs_project_env=True,
        reads=("infra/", "pyproject.toml", "uv.lock", "Makefile"),
        tools=("terraform",),
        targets=("infra-iam-scan",),
        writes_records=True,
    ),
    Check(TREE_CHECK, tree_unchanged, lane=LAST, needs_tree_snapshot=True),
)
