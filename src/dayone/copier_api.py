"""The one place dayone calls copier (its Worker, for copy and update).

The given answers are checked against the template's own questions first
(dayone.answers.prepare_answers), in the same copier call, so unknown keys and badly typed
values are refused by name before anything is written. Copier reports bad answers as
ValueError and its own failures as CopierError; both become DayoneError with copier's message,
so the CLI prints one line instead of a traceback. Ctrl-C stays a KeyboardInterrupt.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import copier

# copier's public API is run_copy/run_update, which take the answers and start at once. Its
# Worker (what they wrap, stable within copier 9, which pyproject pins) lets dayone read the
# template's questions from the very clone it renders and refuse bad answer keys first.
from copier._main import Worker
from copier.errors import CopierAnswersInterrupt, CopierError
from plumbum.commands.processes import ProcessExecutionError

from dayone.answers import prepare_answers
from dayone.errors import DayoneError, one_line

_GIT_URL = re.compile(r"\A(git\+|gh:|gl:|https?://|ssh://|git@|file://)")


def _message(error: BaseException) -> str:
    return one_line(str(error).strip() or type(error).__name__)


def _check_source(source: str) -> None:
    """A local template path that does not exist gets a clear message (git's reads wrong)."""
    if _GIT_URL.match(source):
        return
    path = Path(source).expanduser()
    if not path.exists():
        raise DayoneError(f"template not found: {source} does not exist")
    if not (path / "copier.yml").is_file() and not (path / "copier.yaml").is_file():
        raise DayoneError(f"template not found: {source} has no copier.yml")


@contextlib.contextmanager
def _copier_call(quiet: bool, source: str | None = None) -> Iterator[None]:
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
    except CopierAnswersInterrupt:
        # Ctrl-C at a question: copier wraps it with every answer so far; the user only
        # needs to know nothing happened.
        raise KeyboardInterrupt from None
    except ProcessExecutionError as error:
        # git failed while copier fetched the template (unreachable URL, unknown ref).
        lines = [line for line in str(error.stderr).splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"git exited with {error.retcode}"
        where = f" from {source}" if source else ""
        raise DayoneError(f"cannot read the template{where}: {reason}") from None
    except (CopierError, ValueError) as error:
        message = _message(error)
        if source is not None and "git" in message.lower() and "question" not in message:
            message = f"cannot read the template from {source}: {message}"
        raise DayoneError(message) from None


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
    _check_source(source)
    with (
        _copier_call(quiet, source),
        Worker(
            src_path=source,
            dst_path=dest,
            defaults=defaults,
            vcs_ref=vcs_ref,
            unsafe=False,
            quiet=quiet,
            overwrite=False,
        ) as worker,
    ):
        worker.data = prepare_answers(data, worker.template.questions_data)
        worker.run_copy()


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
    with (
        _copier_call(quiet),
        Worker(
            dst_path=dest,
            defaults=True,
            overwrite=True,
            unsafe=False,
            conflict="inline",
            vcs_ref=vcs_ref,
            quiet=quiet,
        ) as worker,
    ):
        worker.data = prepare_answers(data, worker.template.questions_data)
        worker.run_update()
