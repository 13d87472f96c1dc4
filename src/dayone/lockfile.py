"""The generated project's uv.lock, made before the first commit.

A committed lock file is what makes "same code, same dependencies" true for every run and
every CI job. Locking needs the package index; when uv or the index is unavailable the
project is still created, and the user is told how to lock later.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from dayone.errors import DayoneError
from dayone.tools import project_environment, uv_executable


def lock_dependencies(project: Path) -> str | None:
    """Run `uv lock` in `project`; return None on success, else a one-line note for the user."""
    try:
        uv = uv_executable()
    except DayoneError as error:
        return f"{error}; then run `uv lock` and commit uv.lock"
    env = project_environment()
    result = subprocess.run(
        [uv, "lock", "--quiet"], cwd=project, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        reason = lines[-1] if lines else f"exit code {result.returncode}"
        return f"uv lock failed ({reason}); run `uv lock` and commit uv.lock"
    return None
