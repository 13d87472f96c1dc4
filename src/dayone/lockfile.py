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
    """Run `uv lock` in `project`; a DayoneError saying why when it cannot.

    From uv's cache first (`--offline`): it works with no network, and it is most of the
    speed of `dayone new` (0.8 s against 3-4 s for revalidating every package with PyPI).
    Only when the cache lacks something does uv ask the index. `uv lock --upgrade` in the
    project takes releases newer than the cache's later.
    """
    uv = uv_executable()
    env = project_environment()
    for extra in (["--offline"], []):
        result = subprocess.run(
            [uv, "lock", "--quiet", *extra], cwd=project, env=env, capture_output=True, text=True
        )
        if result.returncode == 0:
            return
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
