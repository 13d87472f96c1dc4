"""A generated repository's check suite: the same steps its CI runs, in one place.

`dayone check`, this repository's tests and the demo all run these; each check is a command
in the project directory, timed, with its output kept for the report.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dayone.errors import DayoneError
from dayone.tools import uv_executable

ANSWERS_FILE = ".copier-answers.yml"
TAIL_LINES = 30


@dataclass(frozen=True)
class Check:
    """One named step; `applies` decides from the project's answers whether it runs."""

    name: str
    argv: tuple[str, ...]
    applies: Callable[[Mapping[str, object]], bool] = lambda _answers: True
    subdir: str = "."


@dataclass
class CheckResult:
    name: str
    passed: bool
    seconds: float
    output: str = field(repr=False, default="")

    @property
    def tail(self) -> str:
        return "\n".join(self.output.strip().splitlines()[-TAIL_LINES:])


def _has_cloud(answers: Mapping[str, object]) -> bool:
    return answers.get("cloud", "none") != "none"


def _tree_is_clean(project: Path, env: Mapping[str, str]) -> CheckResult:
    """After the hooks ran, nothing may have changed: a green repo stays as committed."""
    started = time.monotonic()
    result = subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, env=env
    )
    changed = result.stdout.strip()
    return CheckResult(
        name="tree unchanged by checks",
        passed=result.returncode == 0 and not changed,
        seconds=time.monotonic() - started,
        output=changed or result.stderr,
    )


UV = "uv"  # replaced by the real executable when a check runs (see run_check)

PYTHON_CHECKS: tuple[Check, ...] = (
    Check("uv sync (locked)", (UV, "sync", "--locked", "--quiet")),
    Check("pre-commit (all files)", (UV, "run", "--no-sync", "pre-commit", "run", "--all-files")),
    Check("pytest", (UV, "run", "--no-sync", "pytest", "-q")),
)


def read_answers(project: Path) -> dict[str, object]:
    path = project / ANSWERS_FILE
    if not path.is_file():
        raise DayoneError(f"{project} is not a dayone project: {ANSWERS_FILE} is missing")
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def check_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment checks run in: our own virtualenv must not leak into the project's."""
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    env.update(extra or {})
    return env


def run_check(check: Check, project: Path, env: Mapping[str, str]) -> CheckResult:
    started = time.monotonic()
    try:
        argv = [
            uv_executable() if arg == UV and i == 0 else arg for i, arg in enumerate(check.argv)
        ]
        completed = subprocess.run(
            argv,
            cwd=project / check.subdir,
            env=env,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        return CheckResult(check.name, False, 0.0, f"{check.argv[0]}: command not found")
    return CheckResult(
        name=check.name,
        passed=completed.returncode == 0,
        seconds=time.monotonic() - started,
        output=completed.stdout + completed.stderr,
    )


def run_checks(
    project: Path,
    checks: Sequence[Check] = PYTHON_CHECKS,
    env: Mapping[str, str] | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Run every applicable check (all of them, even after a failure) and report each."""
    answers = read_answers(project)
    run_env = check_environment(env)
    results: list[CheckResult] = []
    for check in checks:
        if not check.applies(answers):
            continue
        result = run_check(check, project, run_env)
        results.append(result)
        if on_result:
            on_result(result)
    clean = _tree_is_clean(project, run_env)
    results.append(clean)
    if on_result:
        on_result(clean)
    return results
