"""The one exception family for expected failures, and the one place they are reported.

Anything raised as a DayoneError is printed as a single line `dayone: error: ...` on stderr
and exits 1; Ctrl-C prints one line and exits 130; everything else is a bug and keeps its
traceback. Every command is wrapped by `reported` (see dayone.cli), so no command catches
DayoneError itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

P = ParamSpec("P")
R = TypeVar("R")

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


class DayoneError(Exception):
    """Expected failure: printed as one line, exit 1."""


def one_line(text: str) -> str:
    """`text` with every run of whitespace (newlines included) as one space."""
    return " ".join(text.split())


def reported(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a CLI command: expected failures become one line on stderr and an exit code."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except DayoneError as error:
            typer.echo(f"dayone: error: {one_line(str(error))}", err=True)
            raise typer.Exit(EXIT_ERROR) from None
        except KeyboardInterrupt:
            typer.echo("dayone: interrupted; nothing was changed", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper
