"""Template-update pull/merge requests (issue 23): a generated project's
scripts/ci/template_update_pr.py, as the scheduled job runs it, against a real N -> N+1
release of this template in a throwaway clone and a stand-in GitHub / GitLab REST API on
127.0.0.1. The first run pushes the update branch and opens one request whose body carries
the changelog entries, the files changed, the conflicts, the check's result and the plans;
a second run with nothing new runs nothing, pushes nothing and writes nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dayone.cli import app
from tests.support.forge_api import forge_api
from tests.support.project import REPO_ROOT
from tests.support.releases import GIT_IDENTITY, git
from tests.test_update import NEW, OLD, _release_changes

# What the stand-in forge sees as the job's token (no real credential).
JOB_TOKEN = "job-token"  # noqa: S105
BRANCH = "dayone/template-update"
CHANGELOG_ENTRY = "Hooks reviewed and the Makefile's header reworded (release 1.1.0)."
# Cheap and real: make reads the updated Makefile (the suite checks generated projects elsewhere).
CHECK = "make print-checks"


@pytest.fixture(scope="module")
def template_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway template repository tagged v1.0.0 and v1.1.0, with a changelog."""
    source = tmp_path_factory.mktemp("template") / "dayone-template"
    source.mkdir()
    shutil.copy2(REPO_ROOT / "copier.yml", source / "copier.yml")
    for folder in ("template", "terraform_modules"):
        shutil.copytree(
            REPO_ROOT / folder,
            source / folder,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".terraform"),
        )
    changelog = "# Changelog\n\n## [1.0.0] - 2026-01-05\n\n- The first release.\n"
    (source / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    git(source, "init", "--quiet", "--initial-branch=main")
    git(source, "add", "--all")
    git(source, "commit", "--quiet", "-m", "Release 1.0.0")
    git(source, "tag", OLD)
    _release_changes(source / "template")
    newer = f"## [1.1.0] - 2026-02-02\n\n### Changed\n\n- {CHANGELOG_ENTRY}\n\n"
    (source / "CHANGELOG.md").write_text(
        changelog.replace("## [1.0.0]", newer + "## [1.0.0]"), encoding="utf-8"
    )
    git(source, "add", "--all")
    git(source, "commit", "--quiet", "-m", "Release 1.1.0")
    git(source, "tag", NEW)
    return source


def _project(source: Path, dest: Path, ci: str, cloud: str = "none") -> Path:
    """A project at the older release (committed by `dayone new`), with a bare `origin`."""
    args = ["new", str(dest), "--defaults", "--template", str(source), "--vcs-ref", OLD]
    for pair in (f"cloud={cloud}", f"ci={ci}", "repository=my-org/churn"):
        args += ["--data", pair]
    result = CliRunner().invoke(app, args, catch_exceptions=False, env=dict(os.environ))
    assert result.exit_code == 0, result.output
    remote = dest.parent / "origin.git"
    git(dest.parent, "clone", "--quiet", "--bare", str(dest), str(remote))
    git(dest, "remote", "add", "origin", str(remote))
    git(dest, "fetch", "--quiet", "origin")
    return remote


def _run(project: Path, forge_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    dayone = Path(sys.executable).parent / "dayone"
    return subprocess.run(
        [
            sys.executable,
            str(project / "scripts" / "ci" / "template_update_pr.py"),
            "--dayone",
            str(dayone),
            "--check-command",
            CHECK,
        ],
        cwd=project,
        env={**os.environ, **GIT_IDENTITY, **forge_env},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_one_update_request_with_its_consequences_and_a_second_run_changes_nothing(
    template_source: Path, tmp_path: Path, ci: str
) -> None:
    project = tmp_path / "churn"
    remote = _project(template_source, project, ci)
    main_before = git(remote, "rev-parse", "refs/heads/main").strip()
    with forge_api() as (api, state):
        if ci == "github":
            forge_env = {
                "GITHUB_REPOSITORY": "my-org/churn",
                "GITHUB_API_URL": api,
                "GITHUB_TOKEN": JOB_TOKEN,
            }
            create = ("POST", "/repos/my-org/churn/pulls")
        else:
            forge_env = {
                "CI_PROJECT_ID": "42",
                "CI_API_V4_URL": f"{api}/api/v4",
                "GITLAB_API_TOKEN": JOB_TOKEN,
            }
            create = ("POST", "/api/v4/projects/42/merge_requests")

        first = _run(project, forge_env)
        assert first.returncode == 0, first.stdout + first.stderr
        assert [(r.method, r.path) for r in state.writes()] == [create]
        sent = state.writes()[0].body
        assert {r.token for r in state.requests} == {JOB_TOKEN}
        assert sent["title"] == f"Update the dayone template to {NEW}"
        body = sent["body"] if ci == "github" else sent["description"]
        head = sent["head"] if ci == "github" else sent["source_branch"]
        base = sent["base"] if ci == "github" else sent["target_branch"]
        assert (head, base) == (BRANCH, "main")
        assert f"from `{OLD}` to `{NEW}`" in body
        assert CHANGELOG_ENTRY in body and "The first release." not in body
        for changed in ("- `Makefile`", "- `.pre-commit-config.yaml`", "- `.copier-answers.yml`"):
            assert changed in body, changed
        assert "## Conflicts\n\nNone." in body
        assert f"## `{CHECK}`: passed" in body and "lint" in body
        assert "No infrastructure in this project: nothing to plan." in body

        # The branch holds the release; main is untouched.
        answers = git(remote, "show", f"refs/heads/{BRANCH}:.copier-answers.yml")
        assert f"_commit: {NEW}" in answers
        assert git(remote, "rev-parse", "refs/heads/main").strip() == main_before
        pushed = git(remote, "rev-parse", f"refs/heads/{BRANCH}").strip()

        again = _run(project, forge_env)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "nothing to do" in again.stdout
        assert len(state.writes()) == 1, [(r.method, r.path) for r in state.writes()]
        assert git(remote, "rev-parse", f"refs/heads/{BRANCH}").strip() == pushed
        assert len(state.changes) == 1
