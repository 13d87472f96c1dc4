"""Answers: those given on the command line (an answers file, KEY=VALUE pairs) and those a
generated project records in .copier-answers.yml.

Answers given to dayone are taken as the text the user typed: an answers file is read with
every scalar as a string (YAML would otherwise turn `yes` into True and `0x10` into 16), and
`prepare_answers` checks each one against the template's questions before copier sees it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from dayone.errors import DayoneError, one_line

ANSWERS_FILE = ".copier-answers.yml"

_WHOLE_NUMBER = re.compile(r"\A[0-9]+\Z")


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return one_line(f"{problem}{where}")


def read_project_answers(project: Path) -> dict[str, Any]:
    """The answers a generated project recorded, including copier's `_src_path`/`_commit`."""
    path = project / ANSWERS_FILE
    if not path.is_file():
        raise DayoneError(f"{project} is not a dayone project: {ANSWERS_FILE} is missing")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise DayoneError(f"{path} is not valid YAML: {_yaml_problem(error)}") from None
    except UnicodeDecodeError:
        raise DayoneError(f"{path} is not UTF-8 text") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise DayoneError(f"{path} must hold a mapping of question: answer")
    return loaded or {}


def parse_data(pairs: list[str]) -> dict[str, str]:
    """Turn repeated `--data KEY=VALUE` options into a mapping."""
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise DayoneError(f"--data takes KEY=VALUE, got {pair!r}")
        data[key.strip()] = value
    return data


def load_answers_file(path: Path) -> dict[str, Any]:
    """Read a YAML mapping of answers (the same keys as .copier-answers.yml).

    Every scalar stays the text that was typed (YAML's BaseLoader): `yes` stays "yes",
    `0x10` stays "0x10", `3.10` stays "3.10". Whole-number questions are converted, strictly,
    by `prepare_answers`.
    """
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds only str, list and dict
    except FileNotFoundError:
        raise DayoneError(f"answers file not found: {path}") from None
    except IsADirectoryError:
        raise DayoneError(f"answers file {path} is a directory") from None
    except UnicodeDecodeError:
        raise DayoneError(f"answers file {path} is not UTF-8 text") from None
    except yaml.YAMLError as error:
        raise DayoneError(
            f"answers file {path} is not valid YAML: {_yaml_problem(error)}"
        ) from None
    if loaded is None or loaded == "":
        return {}
    if not isinstance(loaded, dict):
        raise DayoneError(f"answers file {path} must hold a mapping of question: answer")
    # Keys starting with "_" are copier's own bookkeeping (_src_path, _commit), not answers.
    return {str(k): v for k, v in loaded.items() if not str(k).startswith("_")}


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "empty (null)"
    return f"a {type(value).__name__}"


def prepare_answers(given: Mapping[str, Any], questions: Mapping[str, Any]) -> dict[str, Any]:
    """Check the given answers against the template's questions; return them ready for copier.

    Refused, by name: keys that are not questions (with the closest question suggested),
    computed values (`when: false`), answers that are not text, and whole-number answers that
    are not written in digits. Text answers are passed on exactly as typed.
    """
    asked = [name for name, spec in questions.items() if _spec(spec).get("when") is not False]
    prepared: dict[str, Any] = {}
    for key, value in given.items():
        spec = questions.get(key)
        if spec is None:
            close = difflib.get_close_matches(key, asked, n=1, cutoff=0.6)
            hint = (
                f"did you mean {close[0]!r}?" if close else f"the questions are: {', '.join(asked)}"
            )
            raise DayoneError(f"unknown question {key!r}; {hint}")
        spec = _spec(spec)
        if spec.get("when") is False:
            raise DayoneError(f"{key} is computed from the other answers and cannot be given")
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # from Python callers; the CLI only produces text
        if not isinstance(value, str):
            raise DayoneError(f"{key} must be text, but the answer is {_kind(value)}")
        if spec.get("type", "str") == "int":
            if not _WHOLE_NUMBER.match(value):
                raise DayoneError(
                    f"{key} must be a whole number written in digits, got {value[:40]!r}"
                )
            prepared[key] = int(value)
        else:
            prepared[key] = value
    return prepared


def _spec(spec: Any) -> dict[str, Any]:
    return spec if isinstance(spec, dict) else {}
