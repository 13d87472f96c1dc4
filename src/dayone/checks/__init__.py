"""`dayone check`: a generated project's check suite, as its `make check` and CI run it.

- table: one entry per step (name, lane, cache inputs, what it needs);
- runner: lanes, cache, heartbeat; it names no step, and takes the list of make targets from
  the project's Makefile CHECKS;
- cache: which steps passed on which inputs;
- apply (the emulated apply and the IAM escalation scan, both the project's own
  infra/local scripts run through make), gcp_schema and gcp_iam (GCP's offline checks): one
  module per lane's adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dayone.checks.runner import (
    PYTHON_LANE,
    Check,
    CheckContext,
    CheckFailed,
    CheckOptions,
    CheckResult,
    CheckSkipped,
    select,
)
from dayone.checks.runner import run_checks as _run_checks
from dayone.checks.table import ALL_CHECKS, TREE_CHECK, UV_SYNC

__all__ = [
    "ALL_CHECKS",
    "PYTHON_LANE",
    "TREE_CHECK",
    "UV_SYNC",
    "Check",
    "CheckContext",
    "CheckFailed",
    "CheckOptions",
    "CheckResult",
    "CheckSkipped",
    "run_checks",
    "select",
]


def run_checks(
    project: Path, checks: Sequence[Check] = ALL_CHECKS, **options: Any
) -> list[CheckResult]:
    """The table's steps that apply to `project`, run (see dayone.checks.runner.run_checks)."""
    return _run_checks(project, checks, **options)
