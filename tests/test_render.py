"""Fast tier: render real projects and inspect what users get."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from dayone.tools import uv_executable
from tests.conftest import LEFT_TO_DEFAULTS
from tests.support.equivalence import differences_for_pytest
from tests.support.project import ANSWER_SETS, REPO_ROOT, answer_set, read_answers, render

Rendered = Callable[[str], tuple[Path, dict[str, str]]]


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize("name", ANSWER_SETS)
def test_project_is_a_git_repo_with_one_commit_on_main_and_a_clean_tree(
    rendered_project: Rendered, name: str
) -> None:
    project, _ = rendered_project(name)
    assert git(project, "rev-list", "--count", "HEAD") == "1"
    assert git(project, "branch", "--show-current") == "main"
    assert git(project, "status", "--porcelain") == ""
    tracked = set(git(project, "ls-files").splitlines())
    assert {
        "uv.lock",
        ".copier-answers.yml",
        "pyproject.toml",
        ".pre-commit-config.yaml",
    } <= tracked


@pytest.mark.parametrize("name", ANSWER_SETS)
def test_python_version_is_the_same_everywhere(rendered_project: Rendered, name: str) -> None:
    project, _ = rendered_project(name)
    version = read_answers(project)["python_version"]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert (project / ".python-version").read_text().strip() == version
    assert pyproject["project"]["requires-python"] == f">={version}"
    assert pyproject["tool"]["mypy"]["python_version"] == version
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + version.replace(".", "")


def test_defaults_take_the_project_name_from_the_folder(tmp_path: Path) -> None:
    dest = tmp_path / "churn-model"
    result = render(dest, None, "--data", "cloud=none")
    assert result.exit_code == 0, result.stderr
    answers = read_answers(dest)
    assert answers["project_name"] == "churn-model"
    assert answers["package_name"] == "churn_model"
    assert (dest / "src" / "churn_model" / "cli.py").is_file()


def test_derived_names_follow_the_project_name(rendered_project: Rendered) -> None:
    project, _ = rendered_project("cloud-none")
    answers = read_answers(project)
    assert answers["project_name"] == "Plain Python"
    assert answers["project_slug"] == "plain-python"
    assert answers["package_name"] == "plain_python"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "plain-python"
    assert pyproject["project"]["scripts"] == {"plain-python": "plain_python.cli:main"}


def test_answers_skipped_by_when_are_not_recorded(rendered_project: Rendered) -> None:
    no_cloud, _ = rendered_project("cloud-none")
    assert "aws_region" not in read_answers(no_cloud)
    no_ci, _ = rendered_project("python-3.12")
    assert "repository" not in read_answers(no_ci)
    # Computed values are never recorded: they are re-derived on every render.
    assert "python_version_nodot" not in read_answers(no_ci)


def test_cloud_none_has_no_terraform(rendered_project: Rendered) -> None:
    project, _ = rendered_project("cloud-none")
    assert not (project / "infra").exists()
    hooks = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert not [hook for hook in hooks if "terraform" in hook["entry"]]


def test_cloud_aws_adds_terraform_fmt_hook(rendered_project: Rendered) -> None:
    project, _ = rendered_project("defaults")
    hooks = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert "terraform-fmt" in {hook["id"] for hook in hooks}


@pytest.mark.parametrize("name", ANSWER_SETS)
def test_pre_commit_hooks_are_local_and_pinned(rendered_project: Rendered, name: str) -> None:
    project, _ = rendered_project(name)
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = config["repos"][0]["hooks"]
    ids = {hook["id"] for hook in hooks}
    assert {
        "ruff-check",
        "ruff-format",
        "mypy",
        "check-yaml",
        "check-toml",
        "end-of-file-fixer",
        "trailing-whitespace",
        "check-merge-conflict",
        "nbstripout",
        "detect-secrets",
    } <= ids
    for hook in hooks:
        if hook["language"] == "python":
            deps = hook["additional_dependencies"]
            assert deps, hook["id"]
            assert all(
                re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", d) for d in deps
            ), deps
    merge = next(h for h in hooks if h["id"] == "check-merge-conflict")
    assert "--assume-in-merge" in merge["entry"]


def test_gitignore_covers_what_must_never_be_committed(rendered_project: Rendered) -> None:
    project, _ = rendered_project("defaults")
    probes = [
        "src/x/__pycache__/a.pyc",
        "experiments/notebooks/.ipynb_checkpoints/a.ipynb",
        ".env",
        "infra/envs/dev/terraform.tfstate",
        "infra/envs/dev/.terraform/providers/x",
        "mlruns/0/meta.yaml",
        ".venv/bin/python",
    ]
    for probe in probes:
        result = subprocess.run(
            ["git", "check-ignore", "--no-index", "-q", probe], cwd=project, check=False
        )
        assert result.returncode == 0, f"{probe} is not ignored"
    kept = subprocess.run(["git", "check-ignore", "-q", "src/pkg/model.py"], cwd=project)
    assert kept.returncode == 1


def test_experiments_folder_has_readme_notebook_and_script(rendered_project: Rendered) -> None:
    project, _ = rendered_project("defaults")
    experiments = project / "experiments"
    assert (experiments / "README.md").is_file()
    assert list(experiments.rglob("*.ipynb"))
    assert list(experiments.rglob("*.py"))
    assert not (experiments / "__init__.py").exists()


def test_decision_record_ships_with_the_project(rendered_project: Rendered) -> None:
    project, _ = rendered_project("defaults")
    assert list((project / "docs" / "decisions").glob("0001-*.md"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [("defaults", "MIT License"), ("gitlab", "BSD 3-Clause"), ("python-3.12", "All rights")],
)
def test_license_follows_the_answer(rendered_project: Rendered, name: str, expected: str) -> None:
    project, _ = rendered_project(name)
    assert expected in (project / "LICENSE").read_text()


def test_template_needs_no_trust() -> None:
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    assert not {"_tasks", "_jinja_extensions"} & set(config)
    # A migration that runs a command needs --trust as much as a task does.
    assert not [m for m in config.get("_migrations", []) if "command" in m or isinstance(m, str)]


def test_python_caches_in_the_template_are_never_rendered(
    fast_template: str, tmp_path: Path
) -> None:
    # Tests import template modules (the emulator) and may leave bytecode beside them; copier
    # drops its own default excludes once `_exclude` is set, so copier.yml must name these.
    from tests.support.answer_checks import try_render

    package = Path(fast_template) / "template" / "src" / "{{package_name}}"
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "slices.cpython-311.pyc").write_bytes(b"stale")
    (package / "stray.pyc").write_bytes(b"stale")
    try:
        assert try_render(fast_template, tmp_path / "p", {"project_name": "cache-check"}) is None
    finally:
        (package / "stray.pyc").unlink()
        (package / "__pycache__" / "slices.cpython-311.pyc").unlink()
        (package / "__pycache__").rmdir()
    rendered = {p.name for p in (tmp_path / "p").rglob("*")}
    assert "__pycache__" not in rendered
    assert not {name for name in rendered if name.endswith((".pyc", ".pyo"))}


def test_plain_copier_copy_works_without_trust(tmp_path: Path) -> None:
    copier = Path(sys.executable).with_name("copier")
    dest = tmp_path / "plain-copy"
    result = subprocess.run(
        [
            str(copier),
            "copy",
            "--defaults",
            "--vcs-ref",
            "HEAD",
            "--data",
            "project_name=plain-copy",
            str(REPO_ROOT),
            str(dest),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert (dest / "src" / "plain_copy" / "cli.py").is_file()
    assert read_answers(dest)["_src_path"] == str(REPO_ROOT)
    # Same files as `dayone new`, which only adds git and uv.lock on top.
    via_dayone = tmp_path / "via-dayone" / "plain-copy"
    assert render(via_dayone).exit_code == 0

    def files(root: Path) -> set[str]:
        return {
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(root).parts
        }

    assert files(via_dayone) - files(dest) == {"uv.lock"}


def test_commit_works_without_a_git_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    # uv keeps its cache under HOME: the machine's, so that `uv lock` finds the packages there
    # offline (with an empty cache it asks PyPI, 14 s of waiting).
    uv_cache = subprocess.run(
        [uv_executable(), "cache", "dir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    monkeypatch.setenv("UV_CACHE_DIR", uv_cache)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var, raising=False)
    dest = tmp_path / "no-identity"
    result = render(dest, None, "--data", "cloud=none", "--data", "author_email=lead@example.org")
    assert result.exit_code == 0, result.stderr
    assert git(dest, "log", "-1", "--format=%ae") == "lead@example.org"
    assert (
        not (home / "gitconfig").exists()
        or "lead@example.org" not in (home / "gitconfig").read_text()
    )


def test_questions_reference_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "generate_questions_doc.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("name", sorted(LEFT_TO_DEFAULTS))
def test_python_of_ci_and_account_sets_is_the_defaults_but_for_names(
    rendered_project: Rendered, name: str
) -> None:
    """Why these sets' checks leave pytest to the defaults' (tests/conftest.py): outside CI
    files, docs and tfvars, their projects are the defaults' project but for names."""
    defaults, _ = rendered_project("defaults")
    other, _ = rendered_project(name)
    differing = differences_for_pytest(defaults, other)
    assert differing == {}, f"{name} differs from the defaults in what pytest reads: {differing}"


def test_the_demo_renders_the_defaults_answer_set() -> None:
    """Why the defaults' check leaves most steps to the README's demo (tests/conftest.py): the
    demo runs `dayone new DEST --defaults`, which names the project after DEST and takes every
    other answer's default, and the defaults answer set gives the project's name alone."""
    assert set(answer_set("defaults")) == {"project_name"}
    demo = (REPO_ROOT / "scripts" / "demo.py").read_text(encoding="utf-8")
    new = '[str(DAYONE), "new", str(dest), "--defaults", "--template", str(ROOT), "--vcs-ref", "HEAD"]'
    assert new in demo
    assert '[str(DAYONE), "check", str(dest)]' in demo  # every step, no --only
