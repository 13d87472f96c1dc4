"""`dayone check` judges what the checks did, not what the user had: the tree-unchanged step
compares with a snapshot taken when the check started, never with HEAD; long runs say what
is running; bad input is one line before any table.

Fast tier: a small git repository with an answers file stands in for a project, and planted
steps stand in for the checks (a formatter rewriting a file, a test writing a report).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dayone.checks import ALL_CHECKS, PYTHON_LANE, Check, CheckContext, CheckResult, run_checks
from dayone.cli import app

TREE_CHECK = "tree unchanged by checks"
TREE = next(check for check in ALL_CHECKS if check.name == TREE_CHECK)


def _git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.name=Tree Test", "-c", "user.email=tree-test@example.com"]
    return subprocess.run(
        ["git", *identity, *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A committed repository with what `dayone check` reads: answers, code, an ignore file."""
    repo = tmp_path / "project"
    (repo / "src").mkdir(parents=True)
    (repo / ".copier-answers.yml").write_text("cloud: none\nci: none\n", encoding="utf-8")
    (repo / ".gitignore").write_text("mlruns/\n", encoding="utf-8")
    # The list of make targets dayone check reads: none here, the planted steps stand in.
    (repo / "Makefile").write_text("CHECKS :=\nprint-checks:\n\t@echo $(CHECKS)\n")
    (repo / "src" / "model.py").write_text('"""The model."""\n', encoding="utf-8")
    (repo / "src" / "other.py").write_text('"""Another module."""\n', encoding="utf-8")
    _git(repo, "init", "--quiet", "--initial-branch=main")
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", "first")
    return repo


def _step(change: Callable[[Path], None]) -> Check:
    def action(context: CheckContext) -> str:
        change(context.project)
        return "done"

    return Check("planted step", action, lane=PYTHON_LANE)


def _tree_result(project: Path, change: Callable[[Path], None]) -> CheckResult:
    results = run_checks(project, checks=[_step(change), TREE])
    return next(r for r in results if r.name == TREE_CHECK)


def _user_edits(project: Path) -> None:
    """Uncommitted work: a changed module and a new file, as on any working day."""
    (project / "src" / "model.py").write_text('"""The model, edited."""\n', encoding="utf-8")
    (project / "notes.txt").write_text("ideas\n", encoding="utf-8")


def test_uncommitted_edits_made_before_the_check_are_the_users(project: Path) -> None:
    _user_edits(project)
    result = _tree_result(project, lambda _: None)
    assert result.passed, result.output


@pytest.mark.parametrize(
    ("change", "named"),
    [
        # A formatter rewriting a file the user did not touch.
        (
            lambda p: (p / "src" / "other.py").write_text('"""Another module."""\n\n'),
            "M src/other.py",
        ),
        # ... or one the user did touch: the user's text is not what the check leaves.
        (
            lambda p: (p / "src" / "model.py").write_text('"""The model, reformatted."""\n'),
            "M src/model.py",
        ),
        # A step undoing the user's edit.
        (lambda p: (p / "src" / "model.py").write_text('"""The model."""\n'), "M src/model.py"),
        # A report written where git sees it.
        (lambda p: (p / "report.csv").write_text("a,b\n"), "A report.csv"),
        # The user's new file removed.
        (lambda p: (p / "notes.txt").unlink(), "D notes.txt"),
    ],
    ids=["untouched-file", "user-edited-file", "edit-undone", "new-file", "user-file-deleted"],
)
def test_a_step_that_changes_the_tree_fails_it(
    project: Path, change: Callable[[Path], None], named: str
) -> None:
    _user_edits(project)
    result = _tree_result(project, change)
    assert not result.passed
    assert named in result.output.splitlines(), result.output
    # Only what the step changed is named; the user's other edits are not.
    listed = [line for line in result.output.splitlines() if line[:2] in ("M ", "A ", "D ")]
    assert listed == [named], result.output


def test_files_in_ignored_folders_are_not_the_trees(project: Path) -> None:
    def track_a_run(root: Path) -> None:
        (root / "mlruns").mkdir()
        (root / "mlruns" / "mlflow.db").write_bytes(b"runs")

    assert _tree_result(project, track_a_run).passed


def test_the_snapshot_changes_no_ref_index_or_file(project: Path) -> None:
    from dayone.gitrepo import work_tree_snapshot

    _user_edits(project)
    _git(project, "add", "notes.txt")  # something staged, too
    git_dir = project / ".git"
    before = (
        _git(project, "status", "--porcelain"),
        _git(project, "for-each-ref"),
        _git(project, "stash", "list"),
        (git_dir / "index").read_bytes(),
    )
    first = work_tree_snapshot(project)
    assert work_tree_snapshot(project) == first  # the same tree, the same snapshot
    after = (
        _git(project, "status", "--porcelain"),
        _git(project, "for-each-ref"),
        _git(project, "stash", "list"),
        (git_dir / "index").read_bytes(),
    )
    assert after == before


def test_running_steps_are_reported_while_they_run(project: Path) -> None:
    heard: list[list[tuple[str, float]]] = []
    run_checks(
        project,
        checks=[_step(lambda _: time.sleep(1.0))],
        on_progress=heard.append,
        heartbeat_seconds=0.2,
    )
    assert len(heard) >= 3, heard
    assert all(names == [("planted step", names[0][1])] for names in heard)
    assert heard[-1][0][1] > heard[0][0][1]  # the elapsed time grows


def test_a_missing_folder_is_one_line_and_no_table(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-project"
    result = CliRunner().invoke(app, ["check", str(missing)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"dayone: error: {missing} does not exist or is not a folder: give a generated project"
    ]


def test_the_makefile_checks_are_what_runs(project: Path) -> None:
    """`dayone check` runs the targets the project's Makefile CHECKS names: one the table
    does not know runs as `make <target>`, and fails the check when it fails."""
    (project / "Makefile").write_text(
        "CHECKS := greet\nCHECKS += refuse\nprint-checks:\n\t@echo $(CHECKS)\n"
        "greet:\n\t@echo hello\nrefuse:\n\t@echo refused; exit 3\n"
    )
    _git(project, "commit", "--quiet", "-am", "two checks")
    results = {r.name: r for r in run_checks(project, checks=[TREE])}
    assert set(results) == {"make greet", "make refuse", TREE_CHECK}
    assert results["make greet"].passed and "hello" in results["make greet"].output
    assert not results["make refuse"].passed and "refused" in results["make refuse"].output
