"""The CLI surface: version, help, and expected failures as one line with exit code 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dayone import __version__
from dayone.cli import app
from tests.support.project import render

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"dayone {__version__}"


@pytest.mark.parametrize("command", [[], ["new"], ["check"], ["update"], ["doctor"]])
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_on_every_command(command: list[str], flag: str) -> None:
    result = runner.invoke(app, [*command, flag])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout


def test_entry_point_is_installed() -> None:
    """`python -m dayone` and the console script both reach the same app."""
    result = subprocess.run(
        [sys.executable, "-m", "dayone", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"dayone {__version__}"


def _snapshot(path: Path) -> dict[str, tuple[float, bytes]]:
    return {
        str(p.relative_to(path)): (p.stat().st_mtime, p.read_bytes())
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def test_non_empty_destination_is_refused_untouched(tmp_path: Path) -> None:
    dest = tmp_path / "existing"
    dest.mkdir()
    (dest / "notes.txt").write_text("keep me\n")
    before = _snapshot(dest)
    result = render(dest)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"dayone: error: {dest} already exists and is not empty; choose a new directory"
    ]
    assert _snapshot(dest) == before


def test_destination_that_is_a_file_is_refused(tmp_path: Path) -> None:
    dest = tmp_path / "file"
    dest.write_text("x")
    result = render(dest)
    assert result.exit_code == 1
    assert "already exists and is not empty" in result.stderr
    assert dest.read_text() == "x"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "no-equals-sign"], "--data takes KEY=VALUE"),
        (["--answers", "missing.yml"], "answers file not found"),
    ],
)
def test_bad_options_are_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    dest = tmp_path / "project"
    result = render(dest, None, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not dest.exists()


def test_answers_file_must_be_a_mapping(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("- just\n- a list\n")
    dest = tmp_path / "project"
    result = render(dest, answers)
    assert result.exit_code == 1
    assert "must hold a mapping" in result.stderr
    assert not dest.exists()


def test_unreachable_template_is_one_line_error(tmp_path: Path) -> None:
    dest = tmp_path / "project"
    result = runner.invoke(
        app, ["new", str(dest), "--defaults", "--template", str(tmp_path / "no-such-template")]
    )
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("dayone: error:")
    assert not dest.exists()


def test_check_refuses_a_directory_that_is_not_a_project(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert ".copier-answers.yml is missing" in result.stderr


def test_console_script_prints_no_traceback(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("dayone")
    dest = tmp_path / "project"
    result = subprocess.run(
        [str(script), "new", str(dest), "--defaults", "--data", "package_name=class"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "must not be a Python keyword" in result.stderr
