"""The one place dayone calls copier's public API (run_copy, run_update).

Copier reports bad answers as ValueError and its own failures as CopierError; both become
DayoneError with copier's message, so the CLI prints one line instead of a traceback.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import copier
from copier.errors import CopierError

from dayone.errors import DayoneError


def _one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return " ".join(text.split())


@contextlib.contextmanager
def _copier_call(quiet: bool) -> Iterator[None]:
    """Around every copier call: its failures as one-line DayoneErrors, and its chatter
    (notes such as "No git tags found", printed straight to stderr) hidden unless verbose,
    so an error stays one line."""
    chatter = contextlib.redirect_stderr(io.StringIO()) if quiet else contextlib.nullcontext()
    try:
        with warnings.catch_warnings(), chatter:
            # Rendering from a clone with local edits, or a shallow one, is normal.
            warnings.simplefilter("ignore", category=copier.errors.DirtyLocalWarning)
            warnings.simplefilter("ignore", category=copier.errors.ShallowCloneWarning)
            yield
    except (CopierError, ValueError) as error:
        raise DayoneError(_one_line(error)) from None


def render_copy(
    source: str,
    dest: Path,
    *,
    data: dict[str, Any],
    defaults: bool,
    vcs_ref: str | None,
    quiet: bool,
) -> None:
    """Render `source` into `dest` without --trust: the template has no tasks."""
    with _copier_call(quiet):
        copier.run_copy(
            source,
            dest,
            data=data,
            defaults=defaults,
            vcs_ref=vcs_ref,
            unsafe=False,
            quiet=quiet,
            overwrite=False,
        )


def render_update(
    dest: Path,
    *,
    data: dict[str, Any],
    vcs_ref: str | None,
    quiet: bool,
) -> None:
    """Update the project in `dest` to `vcs_ref` (default: the newest PEP 440 tag).

    Conflicts are written inline (`<<<<<<< before updating`); copier still exits 0 for
    them, so the caller must look for them (dayone.updating.find_conflicts).
    """
    with _copier_call(quiet):
        copier.run_update(
            dest,
            data=data,
            defaults=True,
            overwrite=True,
            unsafe=False,
            conflict="inline",
            vcs_ref=vcs_ref,
            quiet=quiet,
        )
