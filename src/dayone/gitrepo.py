"""The git steps after rendering: a repository, branch main, one first commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from dayone.errors import DayoneError

FALLBACK_NAME = "dayone"
FALLBACK_EMAIL = "dayone@localhost"


def git(
    repo: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run git in `repo`; a failure becomes a DayoneError with git's own message."""
    try:
        result = subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, check=False, env=env
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


def work_tree_snapshot(repo: Path) -> str:
    """The work tree's content as a git tree id: tracked and untracked files, not ignored ones.

    Two snapshots are equal exactly when no such file was added, removed or changed between
    them, whatever was committed or staged before: the "checks left the tree unchanged" test
    compares the tree after the checks with the tree the user had when they started, never
    with HEAD. `git add --all` into a throwaway copy of the index, then `git write-tree`:
    no ref, no index entry and no file of the user's changes (the blobs it writes are
    unreachable objects that git's garbage collection prunes). The generated Makefile's
    `check` target takes the same snapshot in shell.
    """
    with tempfile.TemporaryDirectory(prefix="dayone-snapshot-") as scratch:
        index = Path(scratch) / "index"
        real_index = Path(git(repo, "rev-parse", "--git-path", "index").stdout.strip())
        real_index = real_index if real_index.is_absolute() else repo / real_index
        if real_index.is_file():  # a copy, so only changed files are hashed again
            shutil.copyfile(real_index, index)
        env = {**os.environ, "GIT_INDEX_FILE": str(index)}
        git(repo, "add", "--all", env=env)
        return git(repo, "write-tree", env=env).stdout.strip()


def snapshot_changes(repo: Path, before: str, after: str) -> list[str]:
    """`M path`, `A path`, `D path` for every file that differs between two snapshots."""
    out = git(repo, "diff-tree", "-r", "--no-renames", "--name-status", before, after).stdout
    return [" ".join(line.split("\t", 1)) for line in out.splitlines() if line.strip()]


def toplevel(path: Path) -> Path | None:
    """The root of the git work tree holding `path`, or None when it is not in one."""
    result = git(path, "rev-parse", "--show-toplevel", check=False)
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def changed_paths(repo: Path) -> list[tuple[str, str]]:
    """(status, path) for every change against HEAD, untracked files listed one by one."""
    out = git(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all").stdout
    entries = out.split("\0")
    changes: list[tuple[str, str]] = []
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if not entry:
            continue
        status, path = entry[:2], entry[3:]
        if status[0] in "RC":
            i += 1  # a rename's second field is its old path
        changes.append((status, path))
    return changes


def unmerged_paths(repo: Path) -> list[str]:
    """Paths with conflict stages in the index (what `git status` shows as unmerged)."""
    out = git(repo, "diff", "--name-only", "-z", "--diff-filter=U").stdout
    return sorted({p for p in out.split("\0") if p})


def work_tree_files(repo: Path) -> list[str]:
    """Tracked and untracked files, without the ignored ones (virtualenvs, caches)."""
    out = git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
    return sorted({p for p in out.split("\0") if p})


def ignored_entries(repo: Path) -> list[str]:
    """Ignored files, with wholly ignored directories collapsed to one entry."""
    out = git(
        repo, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"
    ).stdout
    return sorted({p for p in out.split("\0") if p})


def remote_tags(url: str, cwd: Path) -> list[str]:
    """Tag names of the repository at `url` (a path or git URL), without cloning it."""
    out = git(cwd, "ls-remote", "--tags", "--refs", "--", url).stdout
    return [
        line.split("\t", 1)[1].removeprefix("refs/tags/")
        for line in out.splitlines()
        if "\t" in line
    ]


def clone(source: Path, dest: Path) -> None:
    """A local clone of `source`'s HEAD into `dest` (which must not exist)."""
    git(source, "clone", "--quiet", "--", str(source), str(dest))
