"""When two rendered projects are the same project but for names: what lets one test leave a
step to another's (tests/conftest.py's LEFT_TO_DEFAULTS, the installed wheel's render)."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

from tests.support.project import read_answers

# What the answers name (not what they choose): equal names make equal files.
NAMING_ANSWERS = (
    "repository",
    "project_name",
    "project_slug",
    "package_name",
    "description",
    "author_name",
    "author_email",
)
# Files that answers about CI and accounts may change without touching the Python code or
# what its tests read: CI definitions, docs, the tfvars, and the answers record itself.
CI_AND_ACCOUNT_FILES = re.compile(
    r"^(\.github/|\.gitlab-ci\.yml$|\.gitlab/|docs/|README\.md$|LICENSE$|\.copier-answers\.yml$"
    r"|infra/envs/[^/]+/terraform\.tfvars\.json$)"
)


def named_alike(project: Path) -> dict[str, str]:
    """Every tracked file of `project` with the names its answers gave replaced by one token,
    and uv.lock's packages in name order (the project's own entry moves with its name)."""
    answers = read_answers(project)
    names = [str(answers[key]) for key in NAMING_ANSWERS if answers.get(key)]
    names.append(str(answers["package_name"]).upper())
    # The template commit (infra/VERSION): one per render when this checkout has local edits,
    # a release tag when rendered from a release.
    names.append(str(answers["_commit"]))
    names.sort(key=len, reverse=True)
    # The license as pyproject.toml quotes it (bare, "MIT" is inside "PERMITTED").
    license_value = f'"{answers["license"]}"'

    def same_names(text: str) -> str:
        for value in names:
            text = text.replace(value, "<name>")
        return text.replace(license_value, '"<license>"')

    listed = subprocess.run(
        ["git", "ls-files"], cwd=project, capture_output=True, text=True, check=True
    ).stdout
    files: dict[str, str] = {}
    for relative in listed.splitlines():
        path = project / relative
        if path.is_symlink() or not path.is_file():
            continue
        text = same_names(path.read_text(encoding="utf-8", errors="replace"))
        if relative == "uv.lock":
            lock = tomllib.loads(text)
            lock["package"] = sorted(lock["package"], key=lambda package: package["name"])
            text = repr(lock)
        files[same_names(relative)] = text
    return files


def differences_for_pytest(expected: Path, found: Path) -> dict[str, tuple[str, str]]:
    """The files pytest may read (CI files, docs and tfvars aside) in which `found` is not
    `expected` but for names: each with the start of both versions."""
    one, other = named_alike(expected), named_alike(found)
    return {
        path: (one.get(path, "")[:300], other.get(path, "")[:300])
        for path in sorted(one.keys() | other.keys())
        if one.get(path) != other.get(path) and not CI_AND_ACCOUNT_FILES.match(path)
    }
