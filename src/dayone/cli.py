"""The `dayone` command: one small Typer app per command, assembled here."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dayone import __version__
from dayone.commands import check, doctor, new, update
from dayone.errors import DayoneError

app = typer.Typer(
    name="dayone",
    help="Render a day-one ML project repository and keep it up to date.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"dayone {__version__}")
        raise typer.Exit()


@app.callback()
def callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Render a day-one ML project repository and keep it up to date."""


app.command(name="new")(new.new)
app.command(name="check")(check.check)
app.command(name="update")(update.update)
app.command(name="doctor")(doctor.doctor)


def main() -> None:
    """Entry point: expected failures become one line on stderr and exit code 1."""
    try:
        app()
    except DayoneError as error:  # pragma: no cover - app() normally exits via SystemExit
        typer.echo(f"dayone: error: {error}", err=True)
        sys.exit(1)
