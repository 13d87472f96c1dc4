"""`dayone check [PATH]`: the generated repository's full check suite, as its CI runs it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from dayone.answers import read_project_answers
from dayone.checks import ALL_CHECKS, CheckOptions, CheckResult, run_checks, select
from dayone.errors import DayoneError


def _print_row(result: CheckResult) -> None:
    status = "skip" if result.skipped else "pass" if result.passed else "FAIL"
    cached = "  (unchanged since it passed: cached)" if result.cached else ""
    typer.echo(f"  {status}  {result.seconds:7.1f}s  {result.name}{cached}")
    if result.skipped:
        typer.echo(f"        skipped: {result.skipped}")


def _print_running(steps: list[tuple[str, float]]) -> None:
    """The heartbeat: which steps are still running, and for how long."""
    listed = ", ".join(f"{name} ({seconds:.0f}s)" for name, seconds in steps)
    typer.echo(f"  ....  running: {listed}")


def check(
    path: Annotated[Path, typer.Argument(help="The generated project to check.")] = Path(),
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Run only the checks whose name starts with this (repeatable), "
            "e.g. --only terraform --only pytest.",
        ),
    ] = None,
    all_envs: Annotated[
        bool,
        typer.Option(
            "--all-envs",
            help="Apply and destroy every environment on the local AWS emulator, not only dev.",
        ),
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Run every step, also those whose inputs are unchanged since they last passed.",
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show the output of passing checks too.")
    ] = False,
) -> None:
    """Run the project's checks (lint, tests, Terraform) and print a table; exit 1 on failure."""
    project = path.resolve()
    # Everything that can be refused is refused before the table starts: one error line. The
    # options first: an unknown --only is wrong whatever the folder holds.
    select(ALL_CHECKS, only or [])
    if not project.is_dir():
        raise DayoneError(f"{project} does not exist or is not a folder: give a generated project")
    read_project_answers(project)
    typer.echo(f"Checking {project}")
    typer.echo(f"  {'result':<5} {'time':>8}  check")
    started = time.monotonic()
    results = run_checks(
        project,
        on_result=_print_row,
        on_progress=_print_running,
        only=only or [],
        options=CheckOptions(all_envs=all_envs, use_cache=not no_cache),
    )
    failed = [r for r in results if not r.passed]
    for result in results:
        if verbose or not result.passed:
            typer.echo(f"\n--- {result.name} ---\n{result.tail}")
    total = time.monotonic() - started  # wall time: the lanes run concurrently
    if failed:
        names = ", ".join(r.name for r in failed)
        typer.echo(f"dayone: error: {len(failed)} check(s) failed: {names}", err=True)
        raise typer.Exit(1)
    skipped = sum(1 for r in results if r.skipped)
    if skipped:  # never counted as passed: each says above why it could not run here
        passed = len(results) - skipped
        typer.echo(f"{passed} checks passed, {skipped} skipped, in {total:.1f}s.")
    else:
        typer.echo(f"All {len(results)} checks passed in {total:.1f}s.")
