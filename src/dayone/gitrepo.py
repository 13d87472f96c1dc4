"""The git steps after rendering: a repository, branch main, one first commit."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dayone.errors import DayoneError

FALLBACK_NAME = "dayone"
FALLBACK_EMAIL = "dayone@localhost"


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git in `repo`; a failure becomes a DayoneError with git's own message."""
    try:
        result = subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise DayoneError("git is not installed or not on PATH") from None
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit code {result.returncode}"
        raise DayoneError(f"git {' '.join(args)} failed: {last}")
    return result


def _configured(repo: Path, key: str) -> bool:
    return bool(git(repo, "config", "--get", key, check=False).stdout.strip())


def initial_commit(repo: Path, message: str, author_name: str, author_email: str) -> str:
    """Make `repo` a git repository on branch main with one commit of everything in it.

    Users without a git identity still get their commit: the answers' author is used
    for this one commit only, and their git configuration is left untouched.
    """
    git(repo, "init", "--quiet", "--initial-branch=main")
    identity: list[str] = []
    if not _configured(repo, "user.name"):
        identity += ["-c", f"user.name={author_name or FALLBACK_NAME}"]
    if not _configured(repo, "user.email"):
        identity += ["-c", f"user.email={author_email or FALLBACK_EMAIL}"]
    git(repo, "add", "--all")
    # No hooks run here: the rendered tree is already formatted and lint-clean.
    git(repo, *identity, "commit", "--quiet", "--no-verify", "-m", message)
    return git(repo, "rev-parse", "HEAD").stdout.strip()


def is_dirty(repo: Path) -> bool:
    """True when the work tree has uncommitted or untracked changes."""
    return bool(git(repo, "status", "--porcelain").stdout.strip())
