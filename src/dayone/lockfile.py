"""The generated project's uv.lock, made before the first commit.

A committed lock file is what makes "same code, same dependencies" true for every run and
every CI job. `dayone new` fails (and leaves nothing) when it cannot lock; `dayone update`
keeps the updated files and tells the user to lock.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from dayone.errors import DayoneError
from dayone.tools import project_environment, uv_executable


def lock_dependencies(project: Path) -> None:
    """Run `uv lock` in `project`; a DayoneError saying why when it cannot."""
    uv = uv_executable()
    env = project_environment()
    result = subprocess.run(
        [uv, "lock", "--quiet"], cwd=project, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        reason = lines[-1] if lines else f"exit code {result.returncode}"
        raise DayoneError(f"uv lock failed in {project}: {reason}")


def lock_note(project: Path) -> str | None:
    """Like lock_dependencies, for `dayone update`: None on success, else a one-line note
    telling the user to lock and commit uv.lock themselves."""
    try:
        lock_dependencies(project)
    except DayoneError as error:
        return f"{error}; run `uv lock` and commit uv.lock"
    return None
