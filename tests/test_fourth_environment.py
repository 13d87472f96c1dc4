"""The environments come from one list, copier.yml's `environments`: a template whose list
gains a fourth environment renders a project that has it everywhere (infra, configs, CI,
Makefile, CLI) and passes its own `dayone check`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dayone.checks import ALL_CHECKS, CheckOptions, run_checks
from dayone.cli import app
from tests.conftest import LEFT_TO_PLANS
from tests.support.project import ANSWER_SETS_DIR, REPO_ROOT
from tests.support.pythons import find_python

FOUR = ["dev", "qa", "staging", "prod"]
# A line naming dev, then staging, then prod (a list of the environments, in any syntax).
LISTED = re.compile(r"\bdev\b.{0,40}\bstaging\b.{0,40}\bprod\b")
# Where the three names are an example in generic text, not the project's list: the prose of
# the docs and the reusable modules' examples (a module serves any list).
NOT_A_LIST = ("infra/modules/",)


def _template_with(environments: list[str], root: Path) -> Path:
    """A copy of this checkout's tracked files (git ls-files) whose copier.yml lists
    `environments`, committed so that copier renders it as a release would."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, check=True, capture_output=True, text=True
    ).stdout.split("\0")
    for name in filter(None, listed):
        source, target = REPO_ROOT / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(source.readlink())
        elif source.is_file():
            shutil.copy2(source, target)
    copier_yml = root / "copier.yml"
    text = copier_yml.read_text(encoding="utf-8")
    default = 'environments:\n  type: yaml\n  default: "[dev, staging, prod]"\n'
    assert default in text, "copier.yml's environments list moved: update this test"
    copier_yml.write_text(
        text.replace(
            default, default.replace("[dev, staging, prod]", f"[{', '.join(environments)}]")
        ),
        encoding="utf-8",
    )
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*git, "add", "--all"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "template copy"], cwd=root, check=True)
    return root


def _render(template: Path, dest: Path, answers: str, *extra: str) -> None:
    args = ["new", str(dest), "--defaults", "--template", str(template), "--vcs-ref", "HEAD"]
    args += ["--answers", str(ANSWER_SETS_DIR / f"{answers}.yml"), *extra]
    result = CliRunner().invoke(app, args, catch_exceptions=False, env=dict(os.environ))
    assert result.exit_code == 0, result.output


def _hard_coded_lists(project: Path) -> list[str]:
    """Lines of the project's code and configuration that name dev, staging and prod but not
    qa: the three names written down instead of derived from the list."""
    found = []
    for path in sorted(project.rglob("*")):
        rel = path.relative_to(project).as_posix()
        if (
            not path.is_file()
            or path.is_symlink()
            or rel.startswith(".git/")
            or path.suffix == ".md"
            or rel.startswith(NOT_A_LIST)
        ):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if LISTED.search(line) and "qa" not in line:
                found.append(f"{rel}:{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("answers", ["defaults", "gcp", "gitlab"])
def test_no_rendered_file_writes_the_environment_list_down(
    answers: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Rendered with a fourth environment between dev and staging, every line that lists the
    environments lists qa too: none is written down instead of derived."""
    template = _template_with(FOUR, tmp_path_factory.mktemp("template") / "dayone")
    project = tmp_path_factory.mktemp("project") / "four"
    _render(template, project, answers)
    assert _hard_coded_lists(project) == []


@pytest.mark.slow
def test_a_fourth_environment_renders_a_project_that_passes_its_check(tmp_path: Path) -> None:
    template = _template_with(FOUR, tmp_path / "dayone")
    project = tmp_path / "four-envs"
    python = find_python("3.11")
    if python is None:
        pytest.fail("no Python 3.11 interpreter on this machine", pytrace=False)
    env = {"UV_PYTHON": python}
    saved = os.environ.get("UV_PYTHON")
    os.environ.update(env)
    try:
        _render(template, project, "defaults")
    finally:
        if saved is None:
            os.environ.pop("UV_PYTHON", None)
        else:
            os.environ["UV_PYTHON"] = saved

    # qa is everywhere the list reaches, in deploy order.
    assert sorted(p.name for p in (project / "infra" / "envs").iterdir()) == sorted(FOUR)
    assert sorted(p.stem for p in (project / "configs").glob("*.yaml")) == sorted(FOUR)
    assert "ENVS := dev qa staging prod" in (project / "Makefile").read_text(encoding="utf-8")
    ci = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    plans = [row["environment"] for row in ci["jobs"]["plan"]["strategy"]["matrix"]["include"]]
    assert plans == FOUR
    assert ci["jobs"]["deploy-staging"]["needs"] == ["deploy-qa"]
    assert ci["jobs"]["deploy-prod"]["needs"] == ["deploy-staging"]

    # Every step but `terraform validate`, which the plans do first (as in the checks of the
    # sets in LEFT_TO_PLANS): the apply plans dev and the IAM scan qa, staging and prod, each
    # environment and its bootstrap, and keeps the plans in the records.
    left = LEFT_TO_PLANS["hostile-text"]
    records = tmp_path / "records"
    results = run_checks(
        project,
        env=env,
        options=CheckOptions(out_dir=records),
        only=[c.name for c in ALL_CHECKS if c.name not in left],
    )
    failed = [f"{r.name}:\n{r.output[-3000:]}" for r in results if not r.passed]
    assert not failed, "\n\n".join(failed)
    ran = {r.name for r in results}
    assert {
        "pytest",
        "terraform apply+destroy, emulated",
        "IAM policies (cloudsplaining, all envs)",
    } <= ran
    planned = {p.name for p in records.glob("*.plan.json")}
    assert planned >= {f"{e}.{root}plan.json" for e in FOUR for root in ("", "bootstrap.")}
