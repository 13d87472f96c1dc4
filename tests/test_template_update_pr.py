"""Template-update pull/merge requests (issue 23): a generated project's
scripts/ci/template_update_pr.py, as the scheduled job runs it, against a real N -> N+1
release of this template in a throwaway clone and a stand-in GitHub / GitLab REST API on
127.0.0.1. The first run pushes the update branch and opens one request whose body carries
the changelog entries, the files changed, the conflicts, the check's result and the plans;
a second run with nothing new runs nothing, pushes nothing and writes nothing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dayone.cli import app
from tests.support.forge_api import forge_api
from tests.support.project import REPO_ROOT, read_answers
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


def _script_module(project: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The rendered project's scripts/ci/template_update_pr.py, imported (the folder it puts
    on sys.path is taken off again after the test)."""
    path = project / "scripts" / "ci" / "template_update_pr.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


def _gcp_plan_token(
    identity: dict[str, str], provider: str, answers: dict[str, Any], env: str
) -> str:
    """The token in a GCP plan identity's credential configuration, once the configuration is
    checked: external account, the provider's audience, env's plan account impersonated."""
    config = json.loads(Path(identity["GOOGLE_APPLICATION_CREDENTIALS"]).read_text())
    assert config["type"] == "external_account"
    assert config["audience"] == f"//iam.googleapis.com/{provider}"
    account = f"ci-plan@{answers['gcp_project_prefix']}-{env}.iam.gserviceaccount.com"
    assert config["service_account_impersonation_url"].endswith(f"/{account}:generateAccessToken")
    return Path(config["credential_source"]["file"]).read_text(encoding="utf-8")


@pytest.mark.parametrize("cloud", ["aws", "gcp"])
def test_gitlab_update_job_plans_each_environment_as_its_plan_identity_after_a_tokenless_check(
    fast_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cloud: str
) -> None:
    """The template-update job of the GitLab pipeline and its script agree: from what GitLab
    puts in the job's environment (its id_tokens, its variables, the project's identity
    variables), the script makes each environment's read-only plan identity; an environment
    whose identity is not set is said so; `make check` runs without any of the job's tokens."""
    from tests.support.answer_checks import try_render
    from tests.support.gitlab_ci import load_pipeline, resolved
    from tests.support.project import answer_set
    from tests.test_gcp_infra import GITLAB_GCP

    project = tmp_path / "project"
    assert (
        try_render(fast_template, project, GITLAB_GCP if cloud == "gcp" else answer_set("gitlab"))
        is None
    )
    answers = read_answers(project)
    job = resolved(load_pipeline(project), "template-update")
    tokens = {name: f"jwt-for<{spec['aud']}>" for name, spec in job["id_tokens"].items()}
    ready = {"aws": "AWS_PLAN_ROLE_ARN_", "gcp": "GCP_WIF_PROVIDER_"}[cloud]
    identities = {f"{ready}{env.upper()}": f"identity-of-{env}" for env in ("dev", "staging")}
    for key in [k for k in os.environ if k.startswith(("AWS_", "GCP_", "GOOGLE_"))]:
        monkeypatch.delenv(key)
    for key, value in {
        **tokens,
        **job["variables"],
        **identities,
        "GITLAB_API_TOKEN": JOB_TOKEN,
    }.items():
        monkeypatch.setenv(key, str(value))
    script = _script_module(project, f"template_update_pr_{cloud}", monkeypatch)
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    for env in ("dev", "staging"):
        identity = script.plan_identity(cloud, env, scratch)
        assert isinstance(identity, dict), identity
        if cloud == "aws":
            assert identity["AWS_ROLE_ARN"] == f"identity-of-{env}"
            token = Path(identity["AWS_WEB_IDENTITY_TOKEN_FILE"]).read_text(encoding="utf-8")
            assert token == f"jwt-for<sts.amazonaws.com/{answers['project_slug']}--plan>"
        else:
            token = _gcp_plan_token(identity, f"identity-of-{env}", answers, env)
            # Its own provider's token: the audience GitLab fills in from GCP_WIF_PROVIDER_<ENV>.
            assert token == f"jwt-for<https://iam.googleapis.com/${ready}{env.upper()}>"
            assert (
                identity["CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE"]
                == identity["GOOGLE_APPLICATION_CREDENTIALS"]
            )
    assert script.plan_identity(cloud, "prod", scratch) == f"{ready}PROD is not set"

    seen = script.run_check(
        project,
        f"env | grep -e jwt-for -e {JOB_TOKEN} -e _ID_TOKEN -e API_TOKEN || echo 'no token'",
    )
    assert seen.passed and seen.output.strip() == "no token", seen.output


def test_github_update_job_on_gcp_plans_as_each_plan_account_with_the_jobs_oidc_token(
    rendered_only: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub's template-update job on Google Cloud: from the job's environment (its `env:`,
    the repository variables GCP_WIF_PROVIDER_<ENV>) and GitHub's OIDC token endpoint (a
    stand-in on 127.0.0.1), the script asks for one token per provider, with the audience
    google-github-actions/auth uses, and makes each plan account's credential configuration;
    an environment whose provider is not set is said so; `make check` sees no token."""
    import threading
    import urllib.parse
    from http.server import BaseHTTPRequestHandler, HTTPServer

    import yaml

    project = rendered_only("gcp")
    answers = read_answers(project)
    workflow = project / ".github" / "workflows" / "template-update.yml"
    job = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["template-update"]
    assert job["permissions"]["id-token"] == "write"
    (step,) = [s for s in job["steps"] if "template_update_pr.py" in str(s.get("run", ""))]
    providers = {"dev": "projects/1/providers/dev-p", "staging": "projects/2/providers/stg-p"}
    asked: list[tuple[str, str]] = []

    class TokenEndpoint(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            asked.append((query["audience"][0], self.headers["Authorization"]))
            body = json.dumps({"value": f"jwt-for<{query['audience'][0]}>"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), TokenEndpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for key in [k for k in os.environ if k.startswith(("AWS_", "GCP_", "GOOGLE_", "ACTIONS_"))]:
            monkeypatch.delenv(key)
        for key, value in step["env"].items():
            if key.startswith("GCP_WIF_PROVIDER_"):
                # A repository variable: set for dev and staging here, unset (empty) for prod.
                assert value == f"${{{{ vars.{key} }}}}"
                value = providers.get(key.removeprefix("GCP_WIF_PROVIDER_").lower(), "")
            monkeypatch.setenv(key, str(value))
        port = server.server_address[1]
        monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", f"http://127.0.0.1:{port}/t?v=2.0")
        monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token")
        script = _script_module(project, "template_update_pr_github_gcp", monkeypatch)
        scratch = tmp_path / "scratch"
        scratch.mkdir()
        for env, provider in providers.items():
            identity = script.plan_identity("gcp", env, scratch)
            assert isinstance(identity, dict), identity
            token = _gcp_plan_token(identity, provider, answers, env)
            assert token == f"jwt-for<https://iam.googleapis.com/{provider}>"
        assert script.plan_identity("gcp", "prod", scratch) == "GCP_WIF_PROVIDER_PROD is not set"
        assert asked == [
            (f"https://iam.googleapis.com/{p}", "bearer request-token") for p in providers.values()
        ]
        seen = script.run_check(
            project, "env | grep -e ACTIONS_ID_TOKEN -e request-token || echo 'no token'"
        )
        assert seen.passed and seen.output.strip() == "no token", seen.output
    finally:
        server.shutdown()
        server.server_close()
