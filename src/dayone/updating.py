"""Bringing a template release into an existing project, loudly.

copier's update does the 3-way merge; this module decides what to update from and to,
refuses what copier would get wrong (a dirty tree), and finds the conflicts copier leaves
behind while still exiting 0. See docs/update-guide.md and docs/decisions/0003-update-policy.md.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from dayone import gitrepo
from dayone.answers import ANSWERS_FILE, read_project_answers
from dayone.copier_api import render_update
from dayone.errors import DayoneError
from dayone.lockfile import lock_note

# The labels copier gives `git merge-file` for inline conflicts.
CONFLICT_MARKERS = (b"<<<<<<< before updating", b">>>>>>> after updating")
# Text files larger than this are not scanned for markers (data, not code).
SCAN_LIMIT_BYTES = 5_000_000
_DESCRIBE = re.compile(r"\A(?P<tag>.+)-(?P<count>\d+)-g(?P<hash>[0-9a-f]+)\Z")


def parse_version(ref: str) -> Version | None:
    """The PEP 440 version of a tag or `git describe` string, as copier reads `_commit`.

    `v1.2.0` is 1.2.0; `v1.2.0-3-gabc1234` (three commits after the tag) is
    1.2.0.post3+gabc1234; a bare commit hash has no version.
    """
    match = _DESCRIBE.match(ref)
    text = f"{match['tag']}.post{match['count']}+g{match['hash']}" if match else ref
    try:
        return Version(text)
    except InvalidVersion:
        return None


def newest_release(tags: list[str]) -> str | None:
    """The tag copier updates to by default: the highest PEP 440 version, no pre-releases."""
    releases = []
    for tag in tags:
        try:
            version = Version(tag)
        except InvalidVersion:
            continue
        if not version.is_prerelease:
            releases.append((version, tag))
    return max(releases)[1] if releases else None


def git_url(src_path: str) -> str:
    """`_src_path` as git understands it (copier's own shorthands included)."""
    if src_path.startswith("git+"):
        return src_path[len("git+") :]
    for prefix, host in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if src_path.startswith(prefix):
            path = src_path[len(prefix) :]
            return f"{host}{path}" if path.endswith(".git") else f"{host}{path}.git"
    if "://" in src_path or src_path.startswith("git@"):
        return src_path
    return str(Path(src_path).expanduser().resolve())


@dataclass(frozen=True)
class Project:
    """A generated project ready to be updated: where it is and where it came from."""

    path: Path
    root: Path  # the git work tree holding it (copier supports subprojects)
    answers: dict[str, Any]

    @property
    def current(self) -> str:
        return str(self.answers.get("_commit", "unknown"))

    @property
    def source(self) -> str:
        return str(self.answers["_src_path"])


def open_project(path: Path) -> Project:
    """The project at `path`, or a DayoneError saying why it cannot be updated."""
    path = path.expanduser().absolute()
    if not path.is_dir():
        raise DayoneError(f"{path} is not a directory")
    if not (path / ANSWERS_FILE).is_file():
        raise DayoneError(f"{path} is not a dayone project: {ANSWERS_FILE} is missing")
    root = gitrepo.toplevel(path)
    if root is None:
        raise DayoneError(f"{path} is not a git repository; updates need git to merge")
    answers = read_project_answers(path)
    if not answers.get("_src_path") or not answers.get("_commit"):
        raise DayoneError(
            f"{ANSWERS_FILE} in {path} does not record the template source and version "
            "(_src_path, _commit); was it rendered from a git repository?"
        )
    return Project(path=path, root=root, answers=answers)


def require_clean(project: Project) -> None:
    if gitrepo.is_dirty(project.root):
        raise DayoneError(
            f"{project.root} has uncommitted changes; commit or stash them first, so the "
            "update can be reviewed and undone on its own"
        )


def latest_release(project: Project) -> str | None:
    """The newest release tag of the project's template source (None: it has none)."""
    return newest_release(gitrepo.remote_tags(git_url(project.source), project.path))


@dataclass(frozen=True)
class UpdateCheck:
    current: str
    latest: str | None

    @property
    def available(self) -> bool:
        if self.latest is None:
            return False
        current = parse_version(self.current)
        latest = parse_version(self.latest)
        # A project rendered from an untagged commit has no version: any release is news.
        return current is None or (latest is not None and latest > current)


def check_for_update(path: Path) -> UpdateCheck:
    project = open_project(path)
    return UpdateCheck(current=project.current, latest=latest_release(project))


def _has_marker(path: Path) -> bool:
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > SCAN_LIMIT_BYTES:
            return False
        content = path.read_bytes()
    except OSError:
        return False
    if b"\0" in content[:8192]:
        return False  # binary
    return any(line.rstrip() in CONFLICT_MARKERS for line in content.splitlines())


def find_conflicts(root: Path) -> list[str]:
    """Paths an update left unresolved: unmerged, with inline markers, or `*.rej` files."""
    found = set(gitrepo.unmerged_paths(root))
    for relpath in gitrepo.work_tree_files(root):
        if relpath.endswith(".rej") or _has_marker(root / relpath):
            found.add(relpath)
    found.update(p for p in gitrepo.ignored_entries(root) if p.endswith(".rej"))
    return sorted(found)


# Files the template renders once and never updates (copier.yml `_skip_if_exists`) that
# describe what an answer chose, and what in them to re-check when that answer changes.
TEAM_OWNED_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "ci": ("README.md", "its CI/CD section (which CI runs the checks and deploys)"),
    "cloud": ("README.md", "its set-up, layout and infrastructure sections"),
}


def team_owned_notes(answers: dict[str, Any], data: dict[str, str]) -> list[str]:
    """Warnings for answers changed by --data that team-owned files describe: the update
    cannot rewrite them, so the team must (or delete the file to get it rendered afresh)."""
    notes = []
    for key, (path, what) in TEAM_OWNED_DESCRIPTIONS.items():
        if key in data and str(answers.get(key)) != data[key]:
            notes.append(
                f"{path} is team-owned and was not updated: {key} changed from "
                f"{answers.get(key)} to {data[key]}, so re-check {what}; a deleted "
                f"{path} is rendered afresh from the answers by the next update"
            )
    return notes


@dataclass
class UpdateResult:
    before: str
    after: str
    changes: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    lock_note: str | None = None
    pretend: bool = False
    ran: bool = True


def target_of(project: Project, vcs_ref: str | None) -> str:
    """What the update goes to: --vcs-ref, else the newest release, else the template HEAD."""
    if vcs_ref:
        return vcs_ref
    return latest_release(project) or "HEAD (the template has no release tags)"


def is_current(project: Project, target: str) -> bool:
    current, wanted = parse_version(project.current), parse_version(target)
    if current is not None and wanted is not None:
        return current == wanted
    return project.current == target


def _apply(
    project_path: Path, root: Path, data: dict[str, str], vcs_ref: str | None, quiet: bool
) -> tuple[list[tuple[str, str]], list[str], str]:
    render_update(project_path, data=data, vcs_ref=vcs_ref, quiet=quiet)
    after = str(read_project_answers(project_path).get("_commit", "unknown"))
    return gitrepo.changed_paths(root), find_conflicts(root), after


def update_project(
    path: Path,
    *,
    data: dict[str, str],
    vcs_ref: str | None,
    pretend: bool,
    quiet: bool,
    target: str | None = None,
) -> UpdateResult:
    """Update the project at `path`; with `pretend`, do it in a throwaway clone instead.

    copier's own pretend mode renders neither the old nor the new version during an update,
    so it can show nothing; a clone of the committed tree shows exactly what would change,
    conflicts included, and the project is never written to.
    """
    project = open_project(path)
    require_clean(project)
    target = target or target_of(project, vcs_ref)
    if not data and is_current(project, target):
        return UpdateResult(before=project.current, after=project.current, ran=False)

    if pretend:
        with tempfile.TemporaryDirectory(prefix="dayone-pretend-") as tmp:
            clone_root = Path(tmp) / "project"
            gitrepo.clone(project.root, clone_root)
            clone_path = clone_root / project.path.relative_to(project.root)
            changes, conflicts, after = _apply(clone_path, clone_root, data, vcs_ref, quiet)
        return UpdateResult(project.current, after, changes, conflicts, pretend=True)

    changes, conflicts, after = _apply(project.path, project.root, data, vcs_ref, quiet)
    result = UpdateResult(project.current, after, changes, conflicts)
    pyproject = (project.path / "pyproject.toml").relative_to(project.root).as_posix()
    if not conflicts and any(p == pyproject for _, p in changes):
        # The lock must follow pyproject, or `uv sync --locked` fails in CI.
        result.lock_note = lock_note(project.path)
        result.changes = gitrepo.changed_paths(project.root)
    return result
