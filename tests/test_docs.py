"""Docs that run: every shell command of README.md, docs/quickstart.md and the generated
README, run as written by a reader with only what the doc told them to install.

Fast tier: the not-run list is pinned and names commands that exist; the small promises
(plain copier, `make help`, `make setup` without uv, the example rows). Slow tier: each
document's commands, in order, in one shell (tests/support/docs.py).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.support.docs import (
    NOT_RUN,
    RAN_JUST_BEFORE,
    Command,
    document_commands,
    fresh_path,
    run_script,
    script,
)
from tests.support.project import REPO_ROOT, read_answers

Rendered = Callable[[str], tuple[Path, dict[str, str]]]
GENERATED = "generated README.md"
REPO_DOCS = ("README.md", "docs/quickstart.md")
WINE_FEATURES = [
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "total_phenols",
    "flavanoids",
    "nonflavanoid_phenols",
    "proanthocyanins",
    "color_intensity",
    "hue",
    "od280/od315_of_diluted_wines",
    "proline",
]


def _commands(doc: str, project: Path | None = None) -> list[Command]:
    return document_commands(project / "README.md" if project else REPO_ROOT / doc)


# ---- fast: the list of what is not run, and the small promises ------------------------------


def test_not_run_list_is_pinned() -> None:
    """Adding a command to the not-run list is a decision: it shows up in review here."""
    assert sorted(NOT_RUN) == sorted(
        [
            ("README.md", "python3 scripts/dev.py test"),
            ("docs/quickstart.md", "make infra-plan ENV=dev"),
            (
                GENERATED,
                "uvx --from \"mlflow==$(uv run python -c 'import mlflow; "
                "print(mlflow.__version__)')\" mlflow ui --backend-store-uri "
                "sqlite:///mlruns/mlflow.db",
            ),
            (GENERATED, "export AWS_PROFILE=my-dev-profile"),
            (GENERATED, "make infra-bootstrap ENV=dev"),
            (GENERATED, "make infra-plan ENV=dev"),
            (GENERATED, "make infra-apply ENV=dev"),
            (GENERATED, "make upload-data ENV=staging"),
            (GENERATED, "make train ENV=staging"),
            (GENERATED, "make promote RUN=RUN_ID ENV=staging"),
            (GENERATED, "make serve ENV=staging"),
            (GENERATED, "make rollback ENV=staging"),
        ]
    )
    assert sorted(RAN_JUST_BEFORE) == [
        ("docs/quickstart.md", "make infra-local ENV=dev"),
        (GENERATED, "make check"),
        (GENERATED, "make infra-local ENV=dev"),
        (GENERATED, "make setup"),
    ]
    assert all(reason.strip() for reason in [*NOT_RUN.values(), *RAN_JUST_BEFORE.values()])


def test_every_listed_command_is_in_its_document(rendered_project: Rendered) -> None:
    project, _env = rendered_project("defaults")
    keys = {doc: {c.key for c in _commands(doc)} for doc in REPO_DOCS}
    keys[GENERATED] = {c.key for c in _commands(GENERATED, project)}
    for doc, command in [*NOT_RUN, *RAN_JUST_BEFORE]:
        assert command in keys[doc], f"{doc} no longer has `{command}`: drop it from the list"


def test_docs_have_commands_to_run(rendered_project: Rendered) -> None:
    project, _env = rendered_project("defaults")
    for doc in REPO_DOCS:
        assert len(_commands(doc)) >= 5, doc
    generated = {c.key for c in _commands(GENERATED, project)}
    slug = read_answers(project)["project_slug"]
    assert f"uv run {slug} predict examples/rows.csv -o predictions.csv" in generated
    assert f"uv run {slug} evaluate" in generated


def test_plain_copier_command_works_as_written(tmp_path: Path) -> None:
    """README: `copier copy --defaults . plain-model`, with no project_name given."""
    copier = Path(sys.executable).with_name("copier")
    result = subprocess.run(
        [str(copier), "copy", "--defaults", "--vcs-ref", "HEAD", str(REPO_ROOT), "plain-model"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers = read_answers(tmp_path / "plain-model")
    assert answers["project_name"] == "plain-model"
    assert answers["project_slug"] == "plain-model"


def test_generated_readme_documents_infra_and_examples(rendered_project: Rendered) -> None:
    project, _env = rendered_project("defaults")
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "## Infrastructure" in readme
    for needed in ("make infra-local ENV=dev", "make infra-bootstrap ENV=dev", "AWS_PROFILE"):
        assert needed in readme
    # The state bucket's real name (backend.tf): "<slug>--<env>-tfstate".
    assert f"{read_answers(project)['project_slug']}--<env>-tfstate" in readme
    assert "http://127.0.0.1:5000" in readme
    header = (project / "examples" / "rows.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == WINE_FEATURES


def test_python_only_readme_has_no_infra_section(rendered_project: Rendered) -> None:
    project, _env = rendered_project("cloud-none")
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "## Infrastructure" not in readme
    assert "infra-" not in readme


def _make(project: Path, target: str, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", target],
        cwd=project,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")
def test_make_help_prints_no_make_variables(rendered_project: Rendered) -> None:
    project, _env = rendered_project("defaults")
    result = _make(project, "help", os.environ["PATH"])
    assert result.returncode == 0, result.stderr
    assert "$(" not in result.stdout
    assert "configs/<ENV>.yaml" in result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")
def test_make_setup_without_uv_says_how_to_get_it(rendered_project: Rendered) -> None:
    project, _env = rendered_project("defaults")
    path = fresh_path(project.parent / "no-uv", {})
    assert shutil.which("uv", path=path) is None, "uv is on the system PATH; cannot test"
    result = _make(project, "setup", path)
    assert result.returncode != 0
    said = [line for line in result.stdout.splitlines() if line.strip()]
    assert said == [
        "make setup: uv is not on PATH; get it with: python3 -m pip install --user uv "
        "(or pipx install uv)"
    ]


# ---- slow: each document's commands, as written ----------------------------------------------


def _reader_env(tmp_path: Path, tools: dict[str, str]) -> dict[str, str]:
    """A reader's shell: system PATH plus `tools`, a fresh HOME. Download caches are shared
    with this machine (they change speed, not behaviour); DAYONE_TF_MIRROR is what
    `dayone doctor` tells an offline reader to export."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    real_home = Path.home()
    env = {
        "PATH": fresh_path(tmp_path, tools),
        "HOME": str(home),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(real_home / ".cache" / "uv")),
        "PRE_COMMIT_HOME": os.environ.get(
            "PRE_COMMIT_HOME", str(real_home / ".cache" / "pre-commit")
        ),
        "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(real_home / ".cache")),
        "PIP_CACHE_DIR": str(real_home / ".cache" / "pip"),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
    }
    # The machine's network settings (proxy, certificates, package index) are the reader's
    # too; they change how downloads connect, not what is on PATH.
    network = ("PROXY", "SSL_", "CERT", "CA_BUNDLE", "PIP_", "UV_INDEX", "UV_NATIVE_TLS")
    for key, value in os.environ.items():
        if key == "DAYONE_TF_MIRROR" or any(part in key.upper() for part in network):
            env.setdefault(key, value)
    return env


def _run_doc(doc: str, cmds: list[Command], cwd: Path, env: dict[str, str],
             timeout: float) -> str:  # fmt: skip
    """Run `doc`'s commands as written (but those not run, with their reasons); its output."""
    text, skipped = script(doc, cmds, {**NOT_RUN, **RAN_JUST_BEFORE})
    returncode, output = run_script(text, cwd, env, timeout)
    print(f"{doc}: not run: {skipped}")
    assert returncode == 0, f"{doc} failed as written:\n{output[-6000:]}"
    return output


def _clone_checkout(tmp_path: Path) -> Path:
    """This checkout as a reader's clone (tracked and new files, local edits included, all
    committed), with the environments scripts/dev.py already built linked in, so `dev.py` finds them
    current instead of spending minutes installing them again."""
    clone = tmp_path / "dayone"
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        source = REPO_ROOT / rel
        target = clone / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(source.readlink())
        elif source.is_file():
            shutil.copy2(source, target)
    # A clone is a git repository: the demo renders its HEAD, as it would in a real clone.
    identity = ["-c", "user.name=Docs Test", "-c", "user.email=docs-test@example.com"]
    for args in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "clone"]):
        subprocess.run(["git", *identity, *args], cwd=clone, check=True, capture_output=True)
    (clone / ".venv").symlink_to(REPO_ROOT / ".venv")
    # The clone's dev.py must find the linked environments current: were it to reinstall,
    # it would point this checkout's .venv at the throwaway clone.
    spec = importlib.util.spec_from_file_location("clone_dev", clone / "scripts" / "dev.py")
    assert spec is not None and spec.loader is not None
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    if not all(dev.is_current(*environment) for environment in dev.environments()):
        pytest.skip("this checkout's environments are not current: run scripts/dev.py first")
    return clone


@pytest.mark.slow
def test_readme_runs_as_written(tmp_path: Path) -> None:
    clone = _clone_checkout(tmp_path)
    _run_doc("README.md", _commands("README.md"), clone, _reader_env(tmp_path, {}), 1800)


@pytest.mark.slow
def test_quickstart_then_the_project_readme_run_as_written(tmp_path: Path) -> None:
    """A reader's walk-through: the quickstart in a clone, then the README of the project it
    created, in that project, in a fresh shell that has only uv besides the system."""
    clone = _clone_checkout(tmp_path)
    quickstart = "docs/quickstart.md"
    output = _run_doc(quickstart, _commands(quickstart), clone, _reader_env(tmp_path, {}), 1800)
    # `make infra-local ENV=dev` is not run again: `make check` ran it (RAN_JUST_BEFORE).
    assert "infra/local/apply_destroy.py --env dev" in output
    assert re.search(r"(?m)^ok\s+dev: applied \d+ resources and destroyed them", output), output[
        -3000:
    ]

    project = clone / "projects" / "churn-model"
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    env = _reader_env(tmp_path, {"uv": uv})  # the same reader; the README installs only uv
    _run_doc(GENERATED, _commands(GENERATED, project), project, env, 1200)
    predictions = (project / "predictions.csv").read_text(encoding="utf-8").splitlines()
    assert predictions[0].startswith("prediction,probability_")
    assert len(predictions) == 4  # header and the three example rows
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["cloud"] == "aws"
