"""Template releases for update tests: tags made in throwaway git repositories, never here.

Release tags are made by the release process, not kept in this repository's history
(docs/releasing.md), so tests that update a project make their own: a copy or clone of this
template, tagged, changed as a release would change it, tagged again.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Update Test",
    "GIT_AUTHOR_EMAIL": "update-test@example.com",
    "GIT_COMMITTER_NAME": "Update Test",
    "GIT_COMMITTER_EMAIL": "update-test@example.com",
}


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_IDENTITY}
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def replace_line(path: Path, index: int, new_line: str, *, expect_prefix: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[index].startswith(expect_prefix), f"{path}: line {index + 1} is {lines[index]!r}"
    lines[index] = new_line + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def append(path: Path, text: str) -> None:
    content = path.read_text(encoding="utf-8")
    path.write_text(content.rstrip("\n") + "\n" + text + "\n", encoding="utf-8")


def commit_release(repo: Path, tag: str) -> None:
    """Commit the changes to tracked files of the template repository `repo`, tag `tag`."""
    git(repo, "commit", "--quiet", "--all", "--allow-empty", "-m", f"Release {tag}")
    git(repo, "tag", tag)
