"""Slow tier: every answer set's generated repository passes its own checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dayone.checks import run_checks
from tests.support.project import ANSWER_SETS, read_answers

Rendered = Callable[[str], tuple[Path, dict[str, str]]]


@pytest.mark.slow
@pytest.mark.parametrize("name", ANSWER_SETS)
def test_generated_repo_is_green(rendered_project: Rendered, name: str) -> None:
    project, env = rendered_project(name)
    results = run_checks(project, env=env)
    failed = [r for r in results if not r.passed]
    report = "\n".join(f"--- {r.name} ---\n{r.tail}" for r in failed)
    assert not failed, report
    names = {r.name for r in results}
    assert names >= {"uv sync (locked)", "pre-commit (all files)", "pytest"}
    if read_answers(project).get("cloud") == "aws":
        # fmt, then init and validate of every root of infra/, each environment and bootstrap.
        assert names >= {
            "terraform fmt",
            *(f"terraform validate ({root})" for root in ("dev", "staging", "prod", "bootstrap")),
            "terraform plan, offline (all envs)",
            "checkov (infra/)",
            "IAM policies (cloudsplaining, all envs)",
        }
