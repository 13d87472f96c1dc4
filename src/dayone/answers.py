"""Answers: those given on the command line (an answers file, KEY=VALUE pairs) and those a
generated project records in .copier-answers.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dayone.errors import DayoneError

ANSWERS_FILE = ".copier-answers.yml"


def read_project_answers(project: Path) -> dict[str, Any]:
    """The answers a generated project recorded, including copier's `_src_path`/`_commit`."""
    path = project / ANSWERS_FILE
    if not path.is_file():
        raise DayoneError(f"{project} is not a dayone project: {ANSWERS_FILE} is missing")
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


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
    """Read a YAML mapping of answers (the same keys as .copier-answers.yml)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DayoneError(f"answers file not found: {path}") from None
    except yaml.YAMLError as error:
        raise DayoneError(f"answers file {path} is not valid YAML: {error}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise DayoneError(f"answers file {path} must hold a mapping of question: answer")
    # Keys starting with "_" are copier's own bookkeeping (_src_path, _commit), not answers.
    return {str(k): v for k, v in loaded.items() if not str(k).startswith("_")}
