"""Rendering projects for tests the way users do: through `dayone new`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from dayone.cli import app

REPO_ROOT = Path(__file__).resolve().parents[2]
ANSWER_SETS_DIR = REPO_ROOT / "tests" / "answers"
ANSWER_SETS = sorted(p.stem for p in ANSWER_SETS_DIR.glob("*.yml"))


def answer_set(name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((ANSWER_SETS_DIR / f"{name}.yml").read_text(encoding="utf-8"))
    return dict(loaded or {})


def render(dest: Path, answers_file: Path | None = None, *extra: str) -> Any:
    """Run `dayone new DEST --defaults [--answers FILE] [extra...]` against this checkout."""
    # HEAD, not copier's default of the newest release tag: tests check this checkout's code.
    args = ["new", str(dest), "--defaults", "--template", str(REPO_ROOT), "--vcs-ref", "HEAD"]
    if answers_file is not None:
        args += ["--answers", str(answers_file)]
    args += list(extra)
    return CliRunner().invoke(app, args, catch_exceptions=False, env=dict(os.environ))


def read_answers(project: Path) -> dict[str, Any]:
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    return dict(loaded or {})
