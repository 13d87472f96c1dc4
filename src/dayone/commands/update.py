"""`dayone update [PATH]`: bring a new template release into a generated project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dayone.answers import parse_data
from dayone.errors import DayoneError
from dayone.updating import (
    UpdateResult,
    check_for_update,
    open_project,
    require_clean,
    target_of,
    team_owned_notes,
    update_project,
)

# `--check` answers "is there a newer release?" with its exit code. 1 stays what it is for
# every dayone command (an error), so "update available" gets a code of its own.
EXIT_UPDATE_AVAILABLE = 10
# `--pretend` that foresees conflicts: nothing was written, but the real update would leave
# conflict markers. Scripts can test for it apart from errors (1) and a clean pretend (0).
EXIT_CONFLICTS_FORESEEN = 11


def update(
    path: Annotated[Path, typer.Argument(help="The generated project to update.")] = Path(),
    vcs_ref: Annotated[
        str | None,
        typer.Option(
            "--vcs-ref", help="Template tag or commit to update to (default: newest release)."
        ),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="Change one answer as KEY=VALUE; repeat for more."),
    ] = None,
    pretend: Annotated[
        bool,
        typer.Option("--pretend", help="Show what would change, and any conflicts; write nothing."),
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Only say whether a newer release exists: exit 0 if up to date, "
            f"{EXIT_UPDATE_AVAILABLE} if one is available, 1 on error.",
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show copier's own output.")
    ] = False,
) -> None:
    """Update PATH to a newer template release, or change answers with --data.

    The work tree must be clean. Nothing is committed: review with `git diff`, then commit.

    Where you and the template changed the same lines, the file gets conflict markers.

    Exit codes: 0 done or up to date; 1 error or conflicts left; 10 (--check) newer release;
    11 (--pretend) the update would leave conflicts.
    """
    if check:
        if data or pretend or vcs_ref:
            raise DayoneError("--check takes no --data, --pretend or --vcs-ref")
        _check(path)
        return
    _update(path, parse_data(data or []), vcs_ref, pretend, verbose)


def _check(path: Path) -> None:
    status = check_for_update(path)
    if status.latest is None:
        typer.echo(f"Template {status.current}; the template has no release tags to compare.")
    elif status.available:
        typer.echo(f"Update available: template {status.current} -> {status.latest}")
        typer.echo("Run `dayone update` to bring it in.")
        raise typer.Exit(EXIT_UPDATE_AVAILABLE)
    else:
        typer.echo(f"Up to date: template {status.current} (newest release {status.latest}).")


def _update(
    path: Path, data: dict[str, str], vcs_ref: str | None, pretend: bool, verbose: bool
) -> None:
    project = open_project(path)
    require_clean(project)
    target = target_of(project, vcs_ref)
    what = f"template {project.current} -> {target}"
    if data:
        what += " with " + ", ".join(f"{k}={v}" for k, v in data.items())
    typer.echo(f"{'Pretending to update' if pretend else 'Updating'} {project.path}: {what}")
    result = update_project(
        path, data=data, vcs_ref=vcs_ref, pretend=pretend, quiet=not verbose, target=target
    )
    _report(result)
    for note in team_owned_notes(project.answers, data):
        typer.echo(f"dayone: warning: {note}", err=True)


def _report(result: UpdateResult) -> None:
    if not result.ran:
        typer.echo(f"Already at {result.before}; nothing to update.")
        return
    verb = "would change" if result.pretend else "changed"
    typer.echo(f"{len(result.changes)} path(s) {verb}:")
    for status, changed in result.changes:
        typer.echo(f"  {'A' if status == '??' else status.strip():>2}  {changed}")
    if result.lock_note:
        typer.echo(f"dayone: warning: {result.lock_note}", err=True)
    if result.conflicts:
        for conflicted in result.conflicts:
            typer.echo(f"  conflict  {conflicted}")
        names = ", ".join(result.conflicts)
        if result.pretend:
            typer.echo(f"The update would leave conflicts in: {names}")
            typer.echo(
                f"dayone: conflicts foreseen (exit {EXIT_CONFLICTS_FORESEEN}); nothing was written",
                err=True,
            )
            raise typer.Exit(EXIT_CONFLICTS_FORESEEN)
        typer.echo(
            f"dayone: error: the update left conflicts in {len(result.conflicts)} file(s): "
            f"{names}; resolve the <<<<<<< markers, `git add` the files, then commit",
            err=True,
        )
        raise typer.Exit(1)
    if result.pretend:
        typer.echo(f"Nothing was written. `dayone update` would go to {result.after}.")
    else:
        typer.echo(f"Updated to template {result.after}. Review with `git diff`, then commit.")
