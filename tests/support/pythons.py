"""Finding a Python interpreter of a given minor version for a generated project.

uv finds interpreters on PATH. Machines managed with pyenv keep other versions out of PATH
(the shims fail unless selected), so we also look in pyenv's versions directory, found by
asking pyenv itself: discovery, not a machine path.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path


def _interpreter(executable: Path, version: str) -> str | None:
    """The interpreter `executable` runs, when it is Python `version`: the base interpreter,
    not a pyenv shim (a script that starts another file) nor a virtual environment's python
    (this suite's own .venv is first on PATH). uv compares interpreter paths: a project
    environment made through either would be taken as made for another Python, and every
    `uv run` would make it again."""
    try:
        result = subprocess.run(
            [
                str(executable),
                "-c",
                "import sys; print('%d.%d' % sys.version_info[:2]); "
                "print(getattr(sys, '_base_executable', sys.executable))",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = result.stdout.split("\n")
    if result.returncode == 0 and lines[0].strip() == version and len(lines) > 1:
        return lines[1].strip() or None
    return None


@cache
def find_python(version: str) -> str | None:
    """Path of a working `python<version>` interpreter (the real file, not a shim), or None."""
    on_path = shutil.which(f"python{version}")
    found = _interpreter(Path(on_path), version) if on_path else None
    if found:
        return found
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        for candidate in sorted(Path(root, "versions").glob(f"{version}.*/bin/python{version}")):
            found = _interpreter(candidate, version)
            if found:
                return found
    return None
