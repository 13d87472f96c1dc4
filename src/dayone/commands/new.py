"""`dayone new DEST`: render the template, then make the first commit."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from dayone.answers import load_answers_file, parse_data, read_project_answers
from dayone.copier_api import render_copy
from dayone.errors import DayoneError
from dayone.gitrepo import initial_commit
from dayone.lockfile import lock_dependencies
from dayone.template_source import default_template, record_release


def _refuse_unusable(dest: Path) -> None:
    # uv and virtual environments split paths on ':' (PATH-like lists): every `uv run` in
    # the project would fail afterwards.
    for char, name in ((":", "a ':'"), ("\n", "a line break"), ("\r", "a line break")):
        if char in str(dest):
            raise DayoneError(
                f"the destination path {str(dest)!r} contains {name}, which breaks uv and "
                "virtual environments; choose a path without it"
            )
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise DayoneError(f"{dest} already exists and is not empty; choose a new directory")


def _remove_partial(dest: Path, existed_before: bool) -> None:
    """Leave DEST as it was before we started: absent, or an empty directory."""
    if not dest.exists():
        return
    if existed_before:
        for child in dest.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    else:
        shutil.rmtree(dest)


def new(
    dest: Annotated[Path, typer.Argument(help="Directory to create; must not exist or be empty.")],
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults",
            help="Use the default answer for every question not given otherwise; the "
            "project name defaults to DEST's folder name.",
        ),
    ] = False,
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="YAML file of answers (keys as in .copier-answers.yml)."),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="One answer as KEY=VALUE; repeat for more."),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="Path or git URL of the dayone template (default: where dayone was "
            "installed from).",
        ),
    ] = None,
    vcs_ref: Annotated[
        str | None,
        typer.Option("--vcs-ref", help="Git tag or commit of the template to render."),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show every file copier writes.")
    ] = False,
) -> None:
    """Render a new project into DEST and make its first git commit on branch main."""
    _new(dest, defaults, answers, data or [], template, vcs_ref, verbose)


def _new(
    dest: Path,
    defaults: bool,
    answers_file: Path | None,
    pairs: list[str],
    template: str | None,
    vcs_ref: str | None,
    verbose: bool,
) -> None:
    dest = dest.expanduser().absolute()
    _refuse_unusable(dest)
    answers: dict[str, Any] = load_answers_file(answers_file) if answers_file else {}
    answers.update(parse_data(pairs))
    interactive = sys.stdin.isatty() and not defaults
    name_from_folder = not interactive and "project_name" not in answers
    if name_from_folder:
        answers["project_name"] = dest.name
    source = template or default_template()

    existed_before = dest.exists()
    try:
        try:
            render_copy(
                source,
                dest,
                data=answers,
                defaults=not interactive,
                vcs_ref=vcs_ref,
                quiet=not verbose,
            )
        except DayoneError as error:
            if name_from_folder and "'project_name'" in str(error):
                raise DayoneError(
                    f"{error} (project_name defaults to the folder name {dest.name!r}; "
                    "pass --data project_name=NAME)"
                ) from None
            raise
        record_release(dest, source)  # a packaged template records its release's git source
        recorded = read_project_answers(dest)
        # A project without uv.lock is not green (`uv sync --locked` fails in CI): no lock,
        # no project.
        lock_dependencies(dest)
        version = recorded.get("_commit", "unversioned")
        initial_commit(
            dest,
            f"Initial commit from the dayone template {version}",
            str(recorded.get("author_name", "")),
            str(recorded.get("author_email", "")),
        )
    except BaseException:
        _remove_partial(dest, existed_before)
        raise

    typer.echo(f"Created {recorded.get('project_name', dest.name)} in {dest} (template {version}).")
    typer.echo("Next steps:")
    typer.echo(f"  cd {dest}")
    typer.echo("  make setup    # uv sync and pre-commit hooks")
    typer.echo("  make check    # every check CI runs (lint, tests, CI files, infrastructure)")
    typer.echo("  dayone update # later: bring in new template releases")
