"""Remembering which checks passed on which inputs, so an unchanged step is not run again.

A check declares the paths it reads (prefixes relative to the project). Its key is a hash of
the check's name and options, dayone's version, the tools it runs (path, size and mtime of the
executable) and the content of every file under those paths that git tracks or would track.
A pass is recorded under that key outside the project (DAYONE_CHECK_CACHE, else the user's
cache directory); a later run with the same key reports the step as passed without running
it. Any change to an input, a tool or dayone makes a new key. `--no-cache` ignores the store.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from dayone import __version__

CACHE_ENV_VAR = "DAYONE_CHECK_CACHE"


def cache_dir(env: Mapping[str, str]) -> Path:
    configured = env.get(CACHE_ENV_VAR)
    if configured:
        return Path(configured)
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(base) / "dayone" / "check-cache"


def project_files(project: Path) -> list[str]:
    """Files git tracks or would track (ignored files, such as .venv, never count)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        return []
    return sorted({p for p in listed.stdout.split("\0") if p})


def _tool_identity(name: str, env: Mapping[str, str]) -> str:
    found = shutil.which(name, path=env.get("PATH"))
    if not found:
        return f"{name}:missing"
    stat = Path(found).stat()
    return f"{name}:{found}:{stat.st_size}:{stat.st_mtime_ns}"


def key_for(
    project: Path,
    check_name: str,
    reads: Iterable[str],
    files: list[str],
    tools: Iterable[str],
    env: Mapping[str, str],
    settings: str,
) -> str:
    digest = hashlib.sha256()
    for part in (check_name, settings, __version__, *(_tool_identity(t, env) for t in tools)):
        digest.update(part.encode() + b"\0")
    prefixes = tuple(reads)
    for relative in files:
        if not relative.startswith(prefixes):
            continue
        path = project / relative
        digest.update(relative.encode() + b"\0")
        try:
            digest.update(
                path.read_bytes() if not path.is_symlink() else str(path.readlink()).encode()
            )
        except OSError:
            digest.update(b"<unreadable>")
        digest.update(b"\0")
    return digest.hexdigest()


def passed_before(env: Mapping[str, str], key: str) -> bool:
    return (cache_dir(env) / key).is_file()


def remember_pass(env: Mapping[str, str], key: str, check_name: str) -> None:
    directory = cache_dir(env)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / key).write_text(check_name + "\n", encoding="utf-8")
