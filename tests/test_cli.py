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


# ---- one error path --------------------------------------------------------------------------


def _one_error_line(result: object) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]  # type: ignore[attr-defined]
    assert len(lines) == 1, result.stderr  # type: ignore[attr-defined]
    assert lines[0].startswith("dayone: error: ")
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    return lines[0]


def test_expected_failures_are_reported_in_one_place() -> None:
    """Commands raise DayoneError; only dayone.errors.reported turns it into a line and exit."""
    src = Path(__file__).resolve().parents[1] / "src" / "dayone"
    catching = [
        p.name
        for p in [src / "cli.py", *(src / "commands").glob("*.py")]
        if "except DayoneError" in p.read_text(encoding="utf-8")
        and p.name != "new.py"  # new.py only adds a hint to a refusal and re-raises it
    ]
    assert catching == []
    assert "except DayoneError" in (src / "errors.py").read_text(encoding="utf-8")


def test_ctrl_c_is_one_line_exit_130_and_leaves_nothing(
    tmp_path: Path, fast_template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from copier._main import Worker
    from copier.errors import CopierAnswersInterrupt

    def interrupted(self: Worker) -> None:
        Path(self.dst_path).mkdir(parents=True, exist_ok=True)
        (Path(self.dst_path) / "half-written").write_text("x")
        raise CopierAnswersInterrupt(self.answers, None, None)  # as copier does at a prompt

    monkeypatch.setattr(Worker, "run_copy", interrupted)
    dest = tmp_path / "project"
    result = runner.invoke(app, ["new", str(dest), "--defaults", "--template", fast_template])
    assert result.exit_code == 130
    assert result.stderr.strip().splitlines() == ["dayone: interrupted; nothing was changed"]
    assert not dest.exists()


def test_ctrl_c_in_an_empty_destination_leaves_it_empty(
    tmp_path: Path, fast_template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from copier._main import Worker

    def interrupted(self: Worker) -> None:
        (Path(self.dst_path) / "half-written").write_text("x")
        raise KeyboardInterrupt

    monkeypatch.setattr(Worker, "run_copy", interrupted)
    dest = tmp_path / "project"
    dest.mkdir()
    result = runner.invoke(app, ["new", str(dest), "--defaults", "--template", fast_template])
    assert result.exit_code == 130
    assert list(dest.iterdir()) == []


def test_failed_lock_fails_new_and_leaves_nothing(
    tmp_path: Path, fast_template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dayone.lockfile

    def failing_run(*args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([], 1, "", "error: No solution found\n")

    monkeypatch.setattr(dayone.lockfile.subprocess, "run", failing_run)
    dest = tmp_path / "project"
    result = runner.invoke(
        app, ["new", str(dest), "--defaults", "--template", fast_template, "-d", "cloud=none"]
    )
    assert result.exit_code == 1
    assert "uv lock failed" in _one_error_line(result)
    assert not dest.exists()


@pytest.mark.parametrize("name", ["with:colon", "line\nbreak"])
def test_destination_that_breaks_uv_is_refused(tmp_path: Path, name: str) -> None:
    dest = tmp_path / name
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert result.exit_code == 1
    assert "breaks uv" in _one_error_line(result)
    assert not dest.exists()


def test_missing_template_source_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-template"
    result = runner.invoke(
        app, ["new", str(tmp_path / "p"), "--defaults", "--template", str(missing)]
    )
    assert result.exit_code == 1
    assert _one_error_line(result) == f"dayone: error: template not found: {missing} does not exist"


@pytest.mark.parametrize("command", ["check", "update"])
def test_invalid_answers_file_in_a_project_is_one_line(tmp_path: Path, command: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (project / ".copier-answers.yml").write_text("project_name: [unclosed\n_commit: x\n")
    result = runner.invoke(app, [command, str(project)])
    assert result.exit_code == 1
    line = _one_error_line(result)
    assert ".copier-answers.yml is not valid YAML" in line


def test_update_refuses_an_unknown_answer_key(tmp_path: Path) -> None:
    from dayone.answers import prepare_answers

    with pytest.raises(
        Exception, match="unknown question 'projct_name'; did you mean 'project_name'"
    ):
        prepare_answers({"projct_name": "x"}, {"project_name": {"type": "str"}})


def test_unreachable_git_template_names_the_source(tmp_path: Path) -> None:
    source = "https://github.invalid/no-org/no-template.git"
    result = runner.invoke(app, ["new", str(tmp_path / "p"), "--defaults", "--template", source])
    assert result.exit_code == 1
    assert _one_error_line(result).startswith(
        f"dayone: error: cannot read the template from {source}: "
    )
    assert not (tmp_path / "p").exists()
