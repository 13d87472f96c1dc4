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


def _works(executable: Path, version: str) -> bool:
    try:
        result = subprocess.run(
            [str(executable), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and result.stdout.strip() == version


@cache
def find_python(version: str) -> str | None:
    """Path of a working `python<version>` interpreter, or None."""
    on_path = shutil.which(f"python{version}")
    if on_path and _works(Path(on_path), version):
        return on_path
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        for candidate in sorted(Path(root, "versions").glob(f"{version}.*/bin/python{version}")):
            if _works(candidate, version):
                return str(candidate)
    return None
