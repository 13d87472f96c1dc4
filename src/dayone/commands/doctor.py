"""`dayone doctor`: what dayone and the projects it renders need, and how to get it."""

from __future__ import annotations

import typer

from dayone.doctor import diagnose, missing_required


def doctor() -> None:
    """Check git, uv, Terraform, the aws provider, the check tools and the AWS emulator.

    Prints one line per piece and, for each missing one, the command that fixes it.
    Exit codes: 0 everything required is there; 1 something required is missing.
    """
    findings = diagnose()
    for finding in findings:
        typer.echo(f"  {finding.status:<8} {finding.name}: {finding.detail}")
        if finding.ok is not True and finding.fix:
            typer.echo(f"           fix: {finding.fix}")
    missing = missing_required(findings)
    if missing:
        names = ", ".join(f.name for f in missing)
        typer.echo(
            f"dayone doctor: {len(missing)} required piece(s) missing: {names}. "
            "Run the fix commands above, then `dayone doctor` again.",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo("dayone doctor: everything dayone and its projects need is here.")
