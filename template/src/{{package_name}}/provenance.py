"""Where a run came from: code version, template version, infrastructure version.

All paths are relative to the project root, which is the working directory (the Makefile
targets and `uv run` from the project root take care of that).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

UNKNOWN = "none"
ANSWERS_FILE = ".copier-answers.yml"
INFRA_VERSION_FILE = Path("infra") / "VERSION"


@dataclass(frozen=True)
class GitState:
    commit: str
    dirty: str  # "true", "false", or "unknown" outside a git repository


def git_state(root: Path) -> GitState:
    """The checked-out commit and whether the tree differs from it (untracked files count)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, check=False
            )
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return GitState(UNKNOWN, "unknown")
    status = git("status", "--porcelain")
    return GitState(commit, "unknown" if status is None else str(bool(status)).lower())


def template_version(root: Path) -> str:
    """The dayone template release the project was last rendered or updated from."""
    path = root / ANSWERS_FILE
    if not path.is_file():
        return UNKNOWN
    try:
        answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return UNKNOWN
    commit = answers.get("_commit") if isinstance(answers, dict) else None
    return str(commit) if commit else UNKNOWN


def infra_version(root: Path) -> str:
    """The version of the Terraform modules in infra/, if the project has any."""
    path = root / INFRA_VERSION_FILE
    if not path.is_file():
        return UNKNOWN
    return path.read_text(encoding="utf-8").strip() or UNKNOWN
