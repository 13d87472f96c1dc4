"""The dayone template's releases, as a project sees them: where the template lives and which
release the project is at (.copier-answers.yml), the release tags, and the changelog entries
between two releases. Standard library and git only.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

RELEASE_TAG = re.compile(r"^v?(\d+(?:\.\d+)*)$")


class ReleaseError(Exception):
    """The answers file or the template source cannot be read; the message says why."""


def answers_of(project: Path) -> dict[str, str]:
    """The top-level scalar answers of .copier-answers.yml (`_commit`, `_src_path`, ...)."""
    path = project / ".copier-answers.yml"
    if not path.is_file():
        raise ReleaseError(f"{path} does not exist: is this a dayone project?")
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        matched = re.match(r"^([A-Za-z_][\w]*):\s*(.*?)\s*$", line)
        if matched:
            found[matched.group(1)] = matched.group(2).strip("'\"")
    for key in ("_commit", "_src_path"):
        if not found.get(key):
            raise ReleaseError(f".copier-answers.yml has no {key}")
    return found


def clone_url(source: str) -> str:
    """A URL git can fetch from, for copier's `_src_path` (gh:/gl: shortcuts expanded)."""
    for short, url in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if source.startswith(short):
            return url + source[len(short) :]
    return source.removeprefix("git+")


def git_url(source: str) -> str:
    """The template source as a pip/uv `git+` URL, to run that release's dayone."""
    url = clone_url(source)
    if url.startswith("git@"):
        url = "ssh://" + url.replace(":", "/", 1)
    if not url.startswith(("https://", "ssh://")):
        raise ReleaseError(f"template source {source!r} is not a git URL CI can reach")
    return "git+" + url


def version_of(ref: str) -> tuple[int, ...]:
    """(1, 2, 0) for v1.2.0, and for a describe-style ref after it (v1.2.0-3-gabc)."""
    matched = re.match(r"^v?(\d+(?:\.\d+)*)", ref)
    return tuple(int(part) for part in matched.group(1).split(".")) if matched else ()


def release_tags(source: str) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-remote", "--tags", "--refs", clone_url(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        raise ReleaseError(f"cannot list the tags of {source}: {listed.stderr.strip()}")
    tags = [
        line.split("refs/tags/", 1)[1]
        for line in listed.stdout.splitlines()
        if "refs/tags/" in line
    ]
    return [tag for tag in tags if RELEASE_TAG.match(tag)]


def newest_release(tags: list[str]) -> str | None:
    return max(tags, key=version_of, default=None)


def changelog_between(source: str, current: str, target: str, scratch: Path) -> str:
    """The CHANGELOG.md sections of the releases after `current` up to `target`, as the
    template's `target` tag has them ("" when it has no changelog)."""
    subprocess.run(["git", "init", "--quiet", str(scratch)], check=True, capture_output=True)
    fetched = subprocess.run(
        [
            "git",
            "-C",
            str(scratch),
            "fetch",
            "--quiet",
            "--depth=1",
            clone_url(source),
            f"refs/tags/{target}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if fetched.returncode != 0:
        raise ReleaseError(f"cannot fetch {target} of {source}: {fetched.stderr.strip()}")
    shown = subprocess.run(
        ["git", "-C", str(scratch), "show", "FETCH_HEAD:CHANGELOG.md"],
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode != 0:
        return ""
    low, high = version_of(current), version_of(target)
    kept: list[str] = []
    keep = False
    for line in shown.stdout.splitlines():
        heading = re.match(r"^## \[?v?(\d+(?:\.\d+)*)\]?", line)
        if heading or line.startswith("## "):
            version = version_of(heading.group(1)) if heading else ()
            keep = bool(version) and low < version <= high
            if keep:
                kept.append("#" + line)  # one level down: the request's sections are ##
            continue
        if keep:
            kept.append(line)
    return "\n".join(kept).strip()
