"""Shared fixtures: one rendered project per answer set, per test session."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from dayone.checks import CheckOptions, CheckResult, run_checks
from tests.support.project import ANSWER_SETS_DIR, answer_set, render
from tests.support.pythons import find_python


def _python_env(version: str) -> dict[str, str]:
    """UV_PYTHON pointing at an interpreter of `version`; skip when this machine has none."""
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} interpreter on this machine (uv downloads are off)")
    return {"UV_PYTHON": python}


@pytest.fixture(scope="session")
def rendered_project(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], tuple[Path, dict[str, str]]]:
    """Render the named answer set once per session; return (project dir, env for its tools)."""
    cache: dict[str, tuple[Path, dict[str, str]]] = {}

    def get(name: str) -> tuple[Path, dict[str, str]]:
        if name not in cache:
            answers = answer_set(name)
            env = _python_env(str(answers.get("python_version", "3.11")))
            dest = tmp_path_factory.mktemp(f"render-{name}") / str(answers["project_name"])
            saved = {k: os.environ.get(k) for k in env}
            os.environ.update(env)
            try:
                result = render(dest, ANSWER_SETS_DIR / f"{name}.yml")
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
            assert result.exit_code == 0, result.output
            cache[name] = (dest, env)
        return cache[name]

    return get


@dataclass(frozen=True)
class Checked:
    """A rendered project after its full `dayone check --all-envs`, and what the check kept:
    per environment the plan and outputs of the emulated apply, and the terraform log."""

    project: Path
    env: dict[str, str]
    results: list[CheckResult]
    records: Path


@pytest.fixture(scope="session")
def checked_project(
    rendered_project: Callable[[str], tuple[Path, dict[str, str]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], Checked]:
    """Run every check of an answer set once per session (the expensive step, shared by the
    tests that read its results); every environment is applied and destroyed."""
    cache: dict[str, Checked] = {}

    def get(name: str) -> Checked:
        if name not in cache:
            project, env = rendered_project(name)
            records = tmp_path_factory.mktemp(f"records-{name}")
            options = CheckOptions(all_envs=True, out_dir=records)
            results = run_checks(project, env=env, options=options)
            cache[name] = Checked(project, env, results, records)
        return cache[name]

    return get
