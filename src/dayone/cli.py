"""The `dayone` command: one small Typer app per command, assembled here."""

from __future__ import annotations

from typing import Annotated

import typer

from dayone import __version__
from dayone.commands import check, doctor, new, update
from dayone.errors import reported

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


# Every command goes through `reported`: the one place expected failures (DayoneError) become
# `dayone: error: ...` and exit 1, and Ctrl-C becomes one line and exit 130.
app.command(name="new")(reported(new.new))
app.command(name="check")(reported(check.check))
app.command(name="update")(reported(update.update))
app.command(name="doctor")(reported(doctor.doctor))


def main() -> None:
    """Entry point of the `dayone` console script."""
    app()
