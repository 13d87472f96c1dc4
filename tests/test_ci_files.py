"""CI/CD files: generated GitHub workflows, GitLab CI, Dockerfile, and this repository's CI.

Fast tier: every test renders (once per session, through `dayone new`) and inspects files, or
runs check-jsonschema and zizmor, which are quick and offline. Each check has a companion test
showing it fails on a planted problem.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.github_actions import github_texts, load_yaml, workflows
from tests.support.gitlab_ci import ci_files, load_pipeline, resolved
from tests.support.project import ANSWER_SETS, REPO_ROOT, read_answers

Rendered = Callable[[str], tuple[Path, dict[str, str]]]

GITHUB_SETS = ["defaults", "cloud-none", "python-3.13"]
AWS_GITHUB_SET = "defaults"
THIS_REPO_CI = REPO_ROOT / ".github" / "workflows" / "ci.yml"
TOOLS_DIR = Path(sys.executable).parent


def _tool(name: str) -> str:
    """A test tool installed next to this interpreter (the dev virtualenv), else from PATH."""
    candidate = TOOLS_DIR / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: install dayone's dev extra")
    return found


_load = load_yaml


def _workflows(project: Path) -> dict[str, dict[str, Any]]:
    """The workflows, each call of a local composite action replaced by the action's steps."""
    return workflows(project)


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def _uses(step_or_job: dict[str, Any]) -> str:
    return str(step_or_job.get("uses", ""))


# ---- validators: schema and zizmor ---------------------------------------------------------


def check_schema(schema: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
    )


def zizmor_findings(target: Path) -> list[dict[str, Any]]:
    """zizmor --offline findings of medium or high severity for the workflows under `target`."""
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--format", "json", str(target)],
        capture_output=True,
        text=True,
    )
    # Exit codes 10-14 mean "findings"; anything else non-zero is a zizmor failure.
    assert result.returncode == 0 or 10 <= result.returncode <= 14, result.stderr
    findings = json.loads(result.stdout)
    return [f for f in findings if f["determinations"]["severity"].lower() in {"medium", "high"}]


@pytest.mark.parametrize("answers", GITHUB_SETS)
def test_generated_github_workflows_match_the_schema(
    rendered_project: Rendered, answers: str
) -> None:
    project, _ = rendered_project(answers)
    files = sorted((project / ".github" / "workflows").glob("*.yml"))
    assert files
    result = check_schema("vendor.github-workflows", files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_gitlab_ci_matches_the_schema(rendered_project: Rendered) -> None:
    project, _ = rendered_project("gitlab")
    files = ci_files(project)
    assert [p.relative_to(project).as_posix() for p in files] == [
        ".gitlab-ci.yml",
        ".gitlab/ci/aws.yml",
    ]
    result = check_schema("vendor.gitlab-ci", files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    stepz: []\n")
    assert check_schema("vendor.github-workflows", [broken]).returncode != 0
    broken_gitlab = tmp_path / ".gitlab-ci.yml"
    broken_gitlab.write_text("test:\n  script: make test\n  when: sometimes\n")
    assert check_schema("vendor.gitlab-ci", [broken_gitlab]).returncode != 0


@pytest.mark.parametrize("answers", GITHUB_SETS)
def test_zizmor_finds_nothing_medium_or_high(rendered_project: Rendered, answers: str) -> None:
    project, _ = rendered_project(answers)
    # The workflows and the local composite actions (.github/actions) they call.
    assert zizmor_findings(project / ".github") == []


def test_zizmor_check_reports_a_planted_injection(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(
        "on: issues\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-24.04\n"
        "    steps:\n      - run: echo '${{ github.event.issue.title }}'\n"
    )
    idents = {f["ident"] for f in zizmor_findings(workflows)}
    assert "template-injection" in idents


def test_this_repository_ci_is_valid_and_clean() -> None:
    result = check_schema("vendor.github-workflows", [THIS_REPO_CI])
    assert result.returncode == 0, result.stdout + result.stderr
    assert zizmor_findings(THIS_REPO_CI.parent) == []


# ---- long-lived credentials ------------------------------------------------------------------

CREDENTIAL_PATTERNS = {
    "AWS access key id": re.compile(r"\bA(?:KIA|SIA)[A-Z0-9]{16}\b"),
    "AWS secret key variable": re.compile(r"aws_secret_access_key", re.IGNORECASE),
    "AWS access key variable": re.compile(r"aws_access_key_id", re.IGNORECASE),
    "secrets.AWS_ reference": re.compile(r"secrets\.AWS_"),
}


# moto's documented fake credential, which a generated test sets for the emulator (the
# aiobotocore session of dask-cloudprovider reads the environment only): a key variable set
# to it on the same line stores nothing.
EMULATOR_PLACEHOLDER = '"testing"'


def find_credentials(root: Path) -> list[str]:
    """Every place under `root` (outside .git, .venv and bytecode) that looks like a stored
    AWS credential."""
    hits = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or {".git", ".venv", "__pycache__"} & set(relative.parts):
            continue
        lines = path.read_text(encoding="utf-8", errors="ignore").splitlines()
        for label, pattern in CREDENTIAL_PATTERNS.items():
            if any(pattern.search(line) and EMULATOR_PLACEHOLDER not in line for line in lines):
                hits.append(f"{relative}: {label}")
    return hits


@pytest.mark.parametrize("answers", ["defaults", "gitlab", "cloud-none", "python-3.13"])
def test_generated_repo_holds_no_long_lived_credentials(
    rendered_project: Rendered, answers: str
) -> None:
    project, _ = rendered_project(answers)
    assert find_credentials(project) == []


@pytest.mark.parametrize(
    ("relative", "planted"),
    [
        ("configs/local.env", "key = AKIAABCDEFGHIJKLMNOP\n"),
        (".github/workflows/ci.yml", "      AWS_SECRET_ACCESS_KEY: x\n"),
        (".github/workflows/ci.yml", "          key: ${{ secrets.AWS_KEY }}\n"),
        # moto's placeholder exempts only the line it is on.
        ("tests/conftest.py", 'FAKE = "testing"\nos.environ["AWS_SECRET_ACCESS_KEY"] = "real"\n'),
    ],
)
def test_credential_search_finds_a_planted_key(
    rendered_project: Rendered, tmp_path: Path, relative: str, planted: str
) -> None:
    project, _ = rendered_project("defaults")
    copy = tmp_path / "copy"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".git", ".venv"))
    target = copy / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as handle:
        handle.write(planted)
    assert find_credentials(copy), "the planted credential was not found"


# ---- GitHub workflow structure ---------------------------------------------------------------


def _jobs(project: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for file_name, workflow in _workflows(project).items():
        for job_id, job in workflow["jobs"].items():
            yield file_name, job_id, job


CLOUD_LOGINS = ("aws-actions/configure-aws-credentials@", "google-github-actions/auth@")


def _assumes_role(job: dict[str, Any]) -> bool:
    """The job logs in to its cloud itself (through cloud-login, expanded), or calls the
    reusable workflow that does."""
    calls_deploy = _uses(job).endswith("/deploy.yml")
    logs_in = any(_uses(s).startswith(CLOUD_LOGINS) for s in _steps(job))
    return calls_deploy or logs_in


# The scheduled automation jobs write to the repository through the job's token, and only
# what they must: the drift report its environment's issue, the update job its branch and
# request. Neither holds a cloud token (tests/test_github_per_cloud.py).
AUTOMATION_WRITES = {
    ("drift.yml", "report"): {"issues"},
    ("template-update.yml", "template-update"): {"contents", "pull-requests"},
}


@pytest.mark.parametrize("answers", GITHUB_SETS)
def test_permissions_are_least_privilege(rendered_project: Rendered, answers: str) -> None:
    project, _ = rendered_project(answers)
    for file_name, workflow in _workflows(project).items():
        assert workflow["permissions"] in ({}, "read-all", {"contents": "read"}), file_name
    for file_name, job_id, job in _jobs(project):
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), f"{file_name}:{job_id} sets no permissions"
        assert set(permissions.values()) <= {"read", "write", "none"}
        writes = {scope for scope, level in permissions.items() if level == "write"}
        expected = {"id-token"} if _assumes_role(job) else set()
        expected |= AUTOMATION_WRITES.get((file_name, job_id), set())
        if file_name == "template-update.yml" and read_answers(project)["cloud"] != "none":
            expected.add("id-token")  # it plans each environment as its plan role
        assert writes == expected, f"{file_name}:{job_id} writes {writes}"


@pytest.mark.parametrize("answers", GITHUB_SETS)
def test_no_expressions_inside_run_scripts(rendered_project: Rendered, answers: str) -> None:
    project, _ = rendered_project(answers)
    for file_name, job_id, job in _jobs(project):
        for step in _steps(job):
            assert "${{" not in str(step.get("run", "")), f"{file_name}:{job_id} {step}"


def test_run_script_check_catches_an_event_expression(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "x.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-24.04\n"
        "    permissions: {contents: read}\n"
        "    steps:\n      - run: echo ${{ github.event.head_commit.message }}\n"
    )
    with pytest.raises(AssertionError):
        test_no_expressions_inside_run_scripts(lambda _name: (tmp_path, {}), "x")


@pytest.mark.parametrize("answers", GITHUB_SETS)
def test_actions_are_pinned_and_checkouts_keep_no_credentials(
    rendered_project: Rendered, answers: str
) -> None:
    project, _ = rendered_project(answers)
    for file_name, job_id, job in _jobs(project):
        for step in _steps(job):
            uses = _uses(step)
            if not uses:
                continue
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), (
                f"{file_name}:{job_id} {uses}"
            )
            if uses.startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
    assert "aws-access-key-id" not in github_texts(project)


def test_github_training_installs_first_and_trains_as_its_own_identity(
    rendered_project: Rendered,
) -> None:
    """train.yml: the schedule runs on main, so its environment is train-staging (staging
    takes only v* tags); it assumes staging's training identity, never the deploy role, and
    installs the project before any credential exists in the job."""
    project, _ = rendered_project(AWS_GITHUB_SET)
    train = _workflows(project)["train.yml"]
    assert set(train["on"]) == {"schedule", "workflow_dispatch"}
    (job,) = train["jobs"].values()
    assert job["environment"] == "train-staging"
    steps = job["steps"]
    (configure,) = [i for i, s in enumerate(steps) if "configure-aws-credentials" in _uses(s)]
    (install,) = [i for i, s in enumerate(steps) if "uv sync" in str(s.get("run", ""))]
    assert install < configure
    assert steps[configure]["with"]["role-to-assume"] == "${{ vars.AWS_TRAIN_ROLE_ARN }}"
    assert (
        "AWS_DEPLOY_ROLE_ARN" not in (project / ".github" / "workflows" / "train.yml").read_text()
    )


def test_deploys_run_on_the_right_events(rendered_project: Rendered) -> None:
    project, _ = rendered_project(AWS_GITHUB_SET)
    answers = read_answers(project)
    ci = _workflows(project)["ci.yml"]
    assert set(ci["on"]) == {"pull_request", "push"}
    jobs = ci["jobs"]
    environments = {}
    for job_id in ("deploy-dev", "deploy-staging", "deploy-prod"):
        job = jobs[job_id]
        assert job["uses"] == "./.github/workflows/deploy.yml"
        environments[job_id] = job["with"]["environment"]
    assert environments == {"deploy-dev": "dev", "deploy-staging": "staging", "deploy-prod": "prod"}

    dev_if = jobs["deploy-dev"]["if"]
    assert "github.event_name == 'push'" in dev_if
    assert "github.ref == 'refs/heads/main'" in dev_if
    assert "refs/tags" not in dev_if
    for job_id in ("deploy-staging", "deploy-prod"):
        condition = jobs[job_id]["if"]
        assert "startsWith(github.ref, 'refs/tags/v')" in condition
        assert "refs/heads" not in condition
    assert jobs["deploy-prod"]["needs"] == ["deploy-staging"]
    assert set(jobs["deploy-dev"]["needs"]) >= {"lint", "test", "terraform"}

    deploy = _workflows(project)["deploy.yml"]
    assert set(deploy["on"]) == {"workflow_call"}
    (job,) = deploy["jobs"].values()
    # The environment (and so prod's protection rules and its role trust) is the caller's input.
    assert job["environment"] == "${{ inputs.environment }}"
    assert job["concurrency"] == {
        "group": "deploy-${{ inputs.environment }}",
        "cancel-in-progress": False,
    }
    (configure,) = [s for s in job["steps"] if "configure-aws-credentials" in _uses(s)]
    assert configure["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert configure["with"]["aws-region"] == answers["aws_region"]
    scripts = "\n".join(str(s.get("run", "")) for s in job["steps"])
    assert "make infra-plan" in scripts and "make infra-apply" in scripts
    assert "aws codebuild start-build" in scripts
    (build,) = [s for s in job["steps"] if "start-build" in str(s.get("run", ""))]
    assert build["env"]["IMAGE_TAG"] == "${{ github.sha }}"
    assert build["env"]["CODEBUILD_PROJECT"] == (
        f"{answers['project_slug']}--${{{{ inputs.environment }}}}-image"
    )


def test_plans_cover_every_environment_and_are_kept(rendered_project: Rendered) -> None:
    project, _ = rendered_project(AWS_GITHUB_SET)
    jobs = _workflows(project)["ci.yml"]["jobs"]
    plan = jobs["plan"]
    # One read-only plan role per environment, each from its own repository variable.
    assert plan["strategy"]["matrix"]["include"] == [
        {
            "environment": env,
            "credential_variable": f"AWS_PLAN_ROLE_ARN_{env.upper()}",
            "credential": f"${{{{ vars.AWS_PLAN_ROLE_ARN_{env.upper()} }}}}",
        }
        for env in ("dev", "staging", "prod")
    ]
    (configure,) = [s for s in plan["steps"] if "configure-aws-credentials" in _uses(s)]
    assert configure["with"]["role-to-assume"] == "${{ matrix.credential }}"
    assert "AWS_PLAN_ROLE_ARN }}" not in json.dumps(jobs)
    for env in ("dev", "staging", "prod"):
        assert f"vars.AWS_PLAN_ROLE_ARN_{env.upper()} != ''" in jobs[f"deploy-{env}"]["if"]
    assert "environment" not in plan  # plans never wait for prod's approval
    assert any("upload-artifact" in _uses(s) for s in plan["steps"])
    envs = (
        sorted(p.name for p in (project / "infra" / "envs").iterdir())
        if (project / "infra" / "envs").is_dir()
        else ["dev", "prod", "staging"]
    )
    assert envs == ["dev", "prod", "staging"]


def test_cloud_none_workflows_have_no_terraform_or_aws(rendered_project: Rendered) -> None:
    project, _ = rendered_project("cloud-none")
    workflows = _workflows(project)
    assert set(workflows) == {"ci.yml", "template-update.yml"}
    assert set(workflows["ci.yml"]["jobs"]) == {"lint", "test"}
    text = "".join(p.read_text() for p in (project / ".github" / "workflows").glob("*.yml"))
    for word in ("terraform", "aws", "id-token", "infra", "deploy"):
        assert word not in text.lower(), word


def test_ci_none_renders_no_ci_files(rendered_project: Rendered) -> None:
    project, _ = rendered_project("python-3.12")
    assert read_answers(project)["ci"] == "none"
    assert not (project / ".github").exists()
    assert not (project / ".gitlab-ci.yml").exists()
    assert not (project / "docs" / "decisions" / "0002-ci-cd.md").exists()


def test_github_project_has_no_gitlab_file_and_vice_versa(rendered_project: Rendered) -> None:
    github, _ = rendered_project("defaults")
    gitlab, _ = rendered_project("gitlab")
    assert not (github / ".gitlab-ci.yml").exists() and not (github / ".gitlab").exists()
    assert not (gitlab / ".github").exists()


def _declared_python(project: Path) -> str:
    version = (project / ".python-version").read_text().strip()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={version}"
    return version


@pytest.mark.parametrize("answers", GITHUB_SETS)
def test_github_ci_python_is_the_project_python(rendered_project: Rendered, answers: str) -> None:
    project, _ = rendered_project(answers)
    _declared_python(project)
    setups = [
        s
        for _f, _j, job in _jobs(project)
        for s in _steps(job)
        if _uses(s).startswith("actions/setup-python@")
    ]
    assert setups
    for step in setups:
        assert step["with"] == {"python-version-file": ".python-version"}


def test_gitlab_ci_python_is_the_project_python(rendered_project: Rendered) -> None:
    project, _ = rendered_project("gitlab")
    version = _declared_python(project)
    ci = _load(project / ".gitlab-ci.yml")
    image = ci["variables"]["PYTHON_IMAGE"]
    assert re.search(r"-python(\d+\.\d+)-", image).group(1) == version  # type: ignore[union-attr]


# ---- scheduled template update check ---------------------------------------------------------


def _template_release(project: Path) -> Any:
    """The rendered project's scripts/ci/template_release.py, imported."""
    path = project / "scripts" / "ci" / "template_release.py"
    spec = importlib.util.spec_from_file_location("rendered_template_release", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_update_check_is_weekly_guarded_and_reads_the_source_at_run_time(
    rendered_project: Rendered,
) -> None:
    project, _ = rendered_project("defaults")
    answers = read_answers(project)
    workflow = _workflows(project)["template-update.yml"]
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in workflow["on"]["schedule"]]
    assert cron.split()[2:4] == ["*", "*"] and cron.split()[4] != "*"  # once a week
    (job,) = workflow["jobs"].values()
    assert job["if"] == f"github.repository == '{answers['repository']}'"
    text = (project / ".github" / "workflows" / "template-update.yml").read_text()
    assert "python3 scripts/ci/template_update_pr.py" in text
    assert str(answers["_src_path"]) not in text
    # The job's token writes the branch and the request; its OIDC token assumes each
    # environment's read-only plan role (the plans in the request's description).
    assert job["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "id-token": "write",
    }
    assert job["steps"][0]["with"]["persist-credentials"] is False


@pytest.mark.parametrize(
    ("src_path", "expected"),
    [
        ("gh:acme/dayone", "git+https://github.com/acme/dayone"),
        (
            "'https://gitlab.example.com/t/dayone.git'",
            "git+https://gitlab.example.com/t/dayone.git",
        ),
        ("git@github.com:acme/dayone.git", "git+ssh://git@github.com/acme/dayone.git"),
        ("/home/me/dayone", None),
    ],
)
def test_update_check_turns_the_template_source_into_an_installable_url(
    rendered_project: Rendered, tmp_path: Path, src_path: str, expected: str | None
) -> None:
    project, _ = rendered_project("defaults")
    (tmp_path / ".copier-answers.yml").write_text(f"_commit: v1.0.0\n_src_path: {src_path}\n")
    release = _template_release(project)
    source = release.answers_of(tmp_path)["_src_path"]
    if expected is None:
        with pytest.raises(release.ReleaseError, match="not a git URL CI can reach"):
            release.git_url(source)
    else:
        assert release.git_url(source) == expected


# ---- GitLab structure ------------------------------------------------------------------------


def test_gitlab_pipeline_structure(rendered_project: Rendered) -> None:
    project, _ = rendered_project("gitlab")
    answers = read_answers(project)
    ci = load_pipeline(project)
    envs = ["dev", "staging", "prod"]
    # No shared token: every job that assumes a role asks for that role's own audience.
    assert "id_tokens" not in ci[".cloud-login"]
    assert ci["variables"]["AWS_REGION"] == answers["aws_region"]

    slug = answers["project_slug"]
    plan_aud = f"sts.amazonaws.com/{slug}--plan"
    for env in envs:
        plan = resolved(ci, f"plan-{env}")
        plan_script = "\n".join(plan["script"])
        assert 'terraform -chdir="infra/envs/$TF_ENV" plan' in plan_script
        assert (
            '-lock="$TF_PLAN_LOCK"' in plan_script and plan["variables"]["TF_PLAN_LOCK"] == "true"
        )
        assert plan["variables"]["TF_ENV"] == env
        # One read-only plan role per environment, each from its own CI/CD variable.
        assert plan["variables"]["AWS_ROLE_ARN"] == f"$AWS_PLAN_ROLE_ARN_{env.upper()}"
        assert plan["id_tokens"] == {"AWS_ID_TOKEN": {"aud": plan_aud}}
        assert plan["needs"] == ["infra-check"] and "environment" not in plan
        (rule,) = plan["rules"]
        assert rule["if"] == '$CI_PIPELINE_SOURCE != "schedule" && $AWS_PLAN_ROLE_ARN_DEV'
    # Plans and applied plans hold state values: project developers only.
    for job in ("plan-dev", "deploy-dev", "drift-dev"):
        assert resolved(ci, job)["artifacts"]["access"] == "developer"
    # The token file is written from the job's token, and only once the role is known.
    login = "\n".join(ci[".cloud-login"]["before_script"])
    assert '[ -z "$AWS_ROLE_ARN" ]' in login and "AWS_WEB_IDENTITY_TOKEN_FILE" in login

    def only_rule(job: str) -> dict[str, Any]:
        (rule,) = resolved(ci, job)["rules"]
        return dict(rule)

    # Every deploy runs in main's pipeline (GitLab's `sub` names the ref, and a release tag
    # could only be matched with a wildcard trusting any tag pusher): dev automatically,
    # staging then prod by hand, each after the previous environment's image.
    audiences = set()
    for env, previous in (("dev", None), ("staging", "dev"), ("prod", "staging")):
        for kind in ("deploy", "image"):
            job = resolved(ci, f"{kind}-{env}")
            rule = only_rule(f"{kind}-{env}")
            assert '$CI_COMMIT_BRANCH == "main"' in rule["if"] and "CI_COMMIT_TAG" not in rule["if"]
            assert f"$AWS_PLAN_ROLE_ARN_{env.upper()}" in rule["if"]
            assert job["variables"]["TF_ENV"] == env == job["environment"]["name"]
            assert job["resource_group"] == f"deploy-{env}"
            assert job["interruptible"] is False
            # Only this environment's jobs ask for the audience its deploy role trusts.
            assert job["id_tokens"] == {
                "AWS_ID_TOKEN": {"aud": f"sts.amazonaws.com/{slug}--{env}-deploy"}
            }
            assert job["variables"]["AWS_ROLE_ARN"] == "$AWS_DEPLOY_ROLE_ARN"
            audiences.add(job["id_tokens"]["AWS_ID_TOKEN"]["aud"])
        deploy = ci[f"deploy-{env}"]
        assert deploy["extends"] == [".deploy", f".deploy-as-{env}"]
        assert ci[f"image-{env}"]["needs"] == [f"deploy-{env}"]
        assert "emulated-apply" in deploy["needs"]
        if previous:
            assert only_rule(f"deploy-{env}")["when"] == "manual"
            assert only_rule(f"deploy-{env}")["allow_failure"] is False
            assert f"image-{previous}" in deploy["needs"]
    assert len(audiences) == 3 and plan_aud not in audiences
    assert ci["deploy-prod"]["environment"]["name"] == "prod"
    deploy_script = "\n".join(ci[".deploy"]["script"])
    assert "apply -input=false tfplan" in deploy_script and "git archive" in deploy_script
    image_script = "\n".join(ci[".image"]["script"])
    assert "aws codebuild start-build" in image_script
    assert f"{slug}--$TF_ENV-image" in image_script
    assert "$CI_COMMIT_SHA" in image_script
    # Jobs that hold an AWS token install nothing: their images bring their tools.
    for name in ci:
        if isinstance(ci[name], dict) and "id_tokens" in resolved(ci, name):
            merged = resolved(ci, name)
            commands = "\n".join(merged.get("before_script", []) + merged.get("script", []))
            assert "apk add" not in commands and "pip install" not in commands, name
    assert re.fullmatch(r"amazon/aws-cli:\d+\.\d+\.\d+", ci["variables"]["AWS_CLI_IMAGE"])
    assert re.fullmatch(r"hashicorp/terraform:\d+\.\d+\.\d+", ci["variables"]["TERRAFORM_IMAGE"])

    update = resolved(ci, "template-update")
    never, rule = update["rules"]
    assert never == {"if": "$TRAIN_ENV || $DRIFT_CHECK", "when": "never"}
    assert rule["if"] == (
        f'$CI_PIPELINE_SOURCE == "schedule" && $CI_PROJECT_PATH == "{answers["repository"]}"'
    )
    update_script = "\n".join(update["script"])
    assert "python3 scripts/ci/template_update_pr.py" in update_script
    # The update runs every check and plans every environment as its plan role, with the
    # pinned image's terraform (template-update-terraform, in the same schedule).
    assert '--check-command "make check"' in update_script and "--plans-note" not in update_script
    assert update["id_tokens"] == {"AWS_ID_TOKEN": {"aud": plan_aud}}
    assert update["needs"] == ["template-update-terraform"]
    assert resolved(ci, "template-update-terraform")["rules"] == update["rules"]
    # Every other job stays out of the scheduled pipeline.
    scheduled = {"template-update", "template-update-terraform"}
    for name, job in ci.items():
        hidden = name.startswith(".")
        if (
            isinstance(job, dict)
            and "script" in resolved(ci, name)
            and not hidden
            and name not in scheduled
        ):
            rules = resolved(ci, name).get("rules", [])
            assert rules and all("schedule" in r["if"] or "push" in r["if"] for r in rules), name


# ---- GitLab rules, evaluated --------------------------------------------------------------

# The subset of GitLab's `rules:if` syntax the generated file uses: $VARIABLE (true when set
# and not empty), ==, != against "strings" or null, =~ and !~ against /regexes/, &&, || and
# parentheses (&& binds tighter than ||, as in GitLab).
_RULE_TOKEN = re.compile(
    r'\s*(?:(?P<var>\$\w+)|"(?P<str>[^"]*)"|(?P<null>null)\b|/(?P<re>(?:[^/\\]|\\.)*)/'
    r"|(?P<op>==|!=|=~|!~|&&|\|\||\(|\)))"
)


def gitlab_rule_matches(expression: str, variables: dict[str, str]) -> bool:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(expression.rstrip()):
        found = _RULE_TOKEN.match(expression, position)
        assert found, f"unsupported rule syntax at {expression[position:]!r}"
        kind = found.lastgroup
        assert kind is not None
        tokens.append((kind, found.group(kind)))
        position = found.end()
    index = 0

    def take() -> tuple[str, str]:
        nonlocal index
        index += 1
        return tokens[index - 1]

    def peek() -> tuple[str, str] | None:
        return tokens[index] if index < len(tokens) else None

    def operand() -> bool:
        kind, value = take()
        if (kind, value) == ("op", "("):
            result = either()
            assert take() == ("op", ")"), expression
            return result
        assert kind == "var", expression
        actual = variables.get(value[1:])
        following = peek()
        if following is None or following[1] not in {"==", "!=", "=~", "!~"}:
            return bool(actual)
        _, operator = take()
        other_kind, other = take()
        if operator in {"==", "!="}:
            expected = None if other_kind == "null" else other
            return (actual == expected) == (operator == "==")
        assert other_kind == "re", expression
        matched = actual is not None and re.search(other, actual) is not None
        return matched == (operator == "=~")

    def both() -> bool:
        result = operand()
        while peek() == ("op", "&&"):
            take()
            result = operand() and result
        return result

    def either() -> bool:
        result = both()
        while peek() == ("op", "||"):
            take()
            result = both() or result
        return result

    result = either()
    assert index == len(tokens), f"trailing tokens in {expression!r}"
    return result


def gitlab_jobs_created(ci: dict[str, Any], variables: dict[str, str]) -> set[str]:
    """The jobs GitLab puts in a pipeline with these variables: the first matching rule
    decides (`when: never` drops the job); a job with rules and no match is left out."""
    workflow = ci["workflow"]["rules"]
    first = next((r for r in workflow if gitlab_rule_matches(r["if"], variables)), None)
    if first is None or first.get("when") == "never":
        return set()
    created = set()
    for name, job in ci.items():
        if name.startswith(".") or not isinstance(job, dict) or "script" not in resolved(ci, name):
            continue
        rules = resolved(ci, name).get("rules", [])
        if not rules:
            created.add(name)
            continue
        rule = next((r for r in rules if gitlab_rule_matches(r["if"], variables)), None)
        if rule is not None and rule.get("when") != "never":
            created.add(name)
    return created


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ('$A == "x" && $B', {"A": "x", "B": "1"}, True),
        ('$A == "x" && $B', {"A": "x", "B": ""}, False),
        ('$A == "x" || $B && $C', {"A": "y", "B": "1"}, False),
        ('($A == "x" || $B) && $C', {"A": "x", "C": "1"}, True),
        ("$A !~ /^(dev|prod)$/", {"A": "qa"}, True),
        ("$A !~ /^(dev|prod)$/", {"A": "dev"}, False),
        ("$A != null", {}, False),
    ],
)
def test_gitlab_rule_evaluation(expression: str, variables: dict[str, str], expected: bool) -> None:
    assert gitlab_rule_matches(expression, variables) is expected


def _gitlab_pipeline(project: Path, **variables: str) -> set[str]:
    answers = read_answers(project)
    base = {
        "CI_PROJECT_PATH": str(answers["repository"]),
        "CI_COMMIT_BRANCH": "main",
        "CI_COMMIT_REF_NAME": "main",
        "AWS_PLAN_ROLE_ARN_DEV": "arn:aws:iam::111111111111:role/plan",
        "AWS_PLAN_ROLE_ARN_STAGING": "arn:aws:iam::111111111111:role/plan",
        "AWS_PLAN_ROLE_ARN_PROD": "arn:aws:iam::111111111111:role/plan",
    }
    return gitlab_jobs_created(load_pipeline(project), base | variables)


def test_gitlab_training_schedule_runs_only_its_training(rendered_project: Rendered) -> None:
    project, _ = rendered_project("gitlab")
    for env in ("dev", "staging", "prod"):
        assert _gitlab_pipeline(project, CI_PIPELINE_SOURCE="schedule", TRAIN_ENV=env) == {
            f"train-{env}"
        }
    # The weekly template check's schedule trains nothing; pushes and merge requests neither.
    assert _gitlab_pipeline(project, CI_PIPELINE_SOURCE="schedule") == {
        "template-update",
        "template-update-terraform",
    }
    # The drift schedule plans and reports every environment, and nothing else; an
    # environment whose plan role is not set yet is left out.
    drift = {
        f"{kind}-{env}" for env in ("dev", "staging", "prod") for kind in ("drift", "drift-report")
    }
    assert _gitlab_pipeline(project, CI_PIPELINE_SOURCE="schedule", DRIFT_CHECK="true") == drift
    assert _gitlab_pipeline(
        project, CI_PIPELINE_SOURCE="schedule", DRIFT_CHECK="true", AWS_PLAN_ROLE_ARN_PROD=""
    ) == drift - {"drift-prod", "drift-report-prod"}
    for source in ("push", "merge_request_event", "web"):
        created = _gitlab_pipeline(project, CI_PIPELINE_SOURCE=source)
        assert "lint" in created and not {n for n in created if n.startswith("train")}, source
    # A schedule the roles would refuse (another branch) or a wrong environment fails in one
    # clear job rather than creating an empty pipeline.
    for wrong in ({"TRAIN_ENV": "qa"}, {"TRAIN_ENV": "dev", "CI_COMMIT_BRANCH": "feature"}):
        assert _gitlab_pipeline(project, CI_PIPELINE_SOURCE="schedule", **wrong) == {
            "train-env-check"
        }, wrong


def test_gitlab_training_registers_with_its_own_role_and_never_promotes(
    rendered_project: Rendered,
) -> None:
    project, _ = rendered_project("gitlab")
    answers = read_answers(project)
    slug, package = answers["project_slug"], answers["package_name"]
    ci = load_pipeline(project)
    assert ci["stages"][-1] == "train"
    for env in ("dev", "staging", "prod"):
        job = resolved(ci, f"train-{env}")
        # The audience of this environment's training identity, never a deploy role's.
        assert job["id_tokens"] == {
            "AWS_ID_TOKEN": {"aud": f"sts.amazonaws.com/{slug}--{env}-trainer"}
        }
        # Its own environment (its scoped variables), unprotected and of tier other, whose
        # `sub` only the trainer trusts (tests/terraform/test_ci_roles.py).
        assert job["environment"] == {
            "name": f"train-{env}",
            "deployment_tier": "other",
            "action": "access",
        }
        assert job["resource_group"] == f"train-{env}"
        assert job["interruptible"] is False and job["cache"] == []
        before, script = job["before_script"], "\n".join(job["script"])
        # Installed before the token is written, without the token in the install's
        # environment; then the role is assumed from the token file, never from a key.
        (install,) = [i for i, line in enumerate(before) if "uv sync" in line]
        (token,) = [i for i, line in enumerate(before) if "AWS_WEB_IDENTITY_TOKEN_FILE" in line]
        assert install < token and before[install].startswith("env -u AWS_ID_TOKEN ")
        assert "uv sync --locked" in before[install]
        assert 'export AWS_ROLE_ARN="$AWS_TRAIN_ROLE_ARN"' in before
        assert "AWS_DEPLOY_ROLE_ARN" not in "\n".join(before)
        assert '[ -z "$MLFLOW_TRACKING_URI" ]' in before[0]
        assert job["variables"][f"{package.upper()}_LAKE__ENABLED"] == "true"
        assert 'train --config "configs/$TRAIN_ENV.yaml" --register' in script
        commands = "\n".join(before) + script
        for word in ("promote", "rollback", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"):
            assert word not in commands, (env, word)
        assert (project / "configs" / f"{env}.yaml").is_file()
    assert ci[".cloud-login"]["variables"]["AWS_WEB_IDENTITY_TOKEN_FILE"]


def test_gitlab_pipeline_check_notices_a_training_job_in_every_schedule(
    rendered_project: Rendered, tmp_path: Path
) -> None:
    project, _ = rendered_project("gitlab")
    for path in [*ci_files(project), project / ".copier-answers.yml"]:
        target = tmp_path / path.relative_to(project)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    aws = tmp_path / ".gitlab" / "ci" / "aws.yml"
    cloud = _load(aws)
    cloud["train-staging"]["rules"] = [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    aws.write_text(yaml.safe_dump(cloud))
    with pytest.raises(AssertionError):
        test_gitlab_training_schedule_runs_only_its_training(lambda _name: (tmp_path, {}))


# ---- Dockerfile ------------------------------------------------------------------------------


def _dockerignore_match(pattern: str, path: str) -> bool:
    """Docker's matching: `*` and `?` stay within one path segment, `**/` spans directories."""
    regex = (
        re.escape(pattern)
        .replace(r"\*\*/", "(?:.*/)?")
        .replace(r"\*", "[^/]*")
        .replace(r"\?", "[^/]")
        .replace(r"\[", "[")
        .replace(r"\]", "]")
    )
    return re.fullmatch(regex, path) is not None


def dockerignore_excludes(rules: list[str], path: str) -> bool:
    """Whether .dockerignore `rules` keep `path` out of the build context (last match wins;
    a rule matching a parent directory applies to everything below it)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for rule in rules:
        pattern = rule.removeprefix("!").strip("/")
        if any(_dockerignore_match(pattern, prefix) for prefix in prefixes):
            excluded = not rule.startswith("!")
    return excluded


def _dockerignore(project: Path) -> list[str]:
    lines = (project / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("answers", ["defaults", "python-3.13"])
def test_dockerfile_is_pinned_non_root_locked_and_runs_the_cli(
    rendered_project: Rendered, answers: str
) -> None:
    project, _ = rendered_project(answers)
    version = _declared_python(project)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    lines = [
        line.strip()
        for line in (project / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    bases = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert len(bases) >= 2, "multi-stage"
    for base in bases:
        _image, _, tag = base.partition(":")
        assert tag and tag != "latest", base
    python_bases = [b for b in bases if b.startswith("python:")]
    assert python_bases and all(b.startswith(f"python:{version}-slim") for b in python_bases)
    assert any(b.startswith("ghcr.io/astral-sh/uv:") for b in bases)

    instructions = "\n".join(lines)
    assert "uv sync --locked --no-dev" in instructions
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    final = lines[max(i for i, line in enumerate(lines) if line.startswith("FROM ")) :]
    assert any(line.startswith("USER ") for line in final)
    (entrypoint,) = [line for line in final if line.startswith("ENTRYPOINT ")]
    assert json.loads(entrypoint.removeprefix("ENTRYPOINT ")) == [pyproject["project"]["name"]]
    assert pyproject["project"]["name"] in pyproject["project"]["scripts"]

    # Everything COPY takes from the context exists and is not kept out by .dockerignore.
    rules = _dockerignore(project)
    for line in lines:
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (project / source).exists(), source
                assert not dockerignore_excludes(rules, source.rstrip("/")), source
    package = read_answers(project)["package_name"]
    assert not dockerignore_excludes(rules, f"src/{package}/cli.py")
    for private in (
        ".git/config",
        ".venv/bin/python",
        "experiments/notebooks/01-explore.ipynb",
        "infra/envs/dev/main.tf",
        "mlruns/0/meta.yaml",
        ".env",
        ".copier-answers.yml",
        f"src/{package}/__pycache__/cli.cpython-311.pyc",
    ):
        assert dockerignore_excludes(rules, private), private


def test_dockerignore_check_notices_a_leak() -> None:
    assert not dockerignore_excludes(["*", "!src/", "!experiments"], "experiments/x.ipynb")
    assert dockerignore_excludes(["*", "!src/"], "experiments/x.ipynb")
    assert not dockerignore_excludes([".git"], "infra/main.tf")


# ---- this repository's CI --------------------------------------------------------------------


def test_this_repository_ci_runs_the_suite_and_every_answer_set() -> None:
    workflow = _load(THIS_REPO_CI)
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    for job in jobs.values():
        assert job["permissions"] == {"contents": "read"}
        assert any(_uses(s).startswith("hashicorp/setup-terraform@") for s in job["steps"])
    assert jobs["test"]["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"]
    assert any(s.get("run") == "python3 scripts/dev.py test" for s in jobs["test"]["steps"])
    matrix = jobs["render"]["strategy"]["matrix"]
    assert matrix["python"] == ["3.11", "3.12", "3.13"]
    assert sorted(matrix["answers"]) == ANSWER_SETS
    scripts = "\n".join(str(s.get("run", "")) for s in jobs["render"]["steps"])
    assert re.search(r'dayone"? new ', scripts) and re.search(r'dayone"? check ', scripts)


# ---- one definition of the checks: Makefile, CI and dayone check ----------------------------


def _make_check_targets(project: Path) -> list[str]:
    """What `make check` runs in `project`, as make itself expands it (dry run)."""
    shown = subprocess.run(
        ["make", "--no-print-directory", "-pn", "-C", str(project), "check"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = re.search(r"(?m)^CHECKS :?= (.*)$", shown)
    assert found, "the Makefile defines no CHECKS"
    return found.group(1).split()


def _ci_make_targets(project: Path) -> set[str]:
    """Every make target the project's CI files run."""
    files = [*(project / ".github" / "workflows").glob("*.yml"), project / ".gitlab-ci.yml"]
    files += sorted((project / ".gitlab" / "ci").glob("*.yml"))
    text = "\n".join(p.read_text(encoding="utf-8") for p in files if p.is_file())
    return set(re.findall(r"\bmake ([a-z][a-z-]*)", text))


@pytest.mark.parametrize("answers", ANSWER_SETS)
def test_make_check_ci_and_dayone_check_run_the_same_steps(
    rendered_only: Callable[[str], Path], answers: str
) -> None:
    """The Makefile's CHECKS are the one list (docs/decisions/0008): dayone check runs a
    table step for each of them and no other make target, and CI runs each of them and no
    other check target. Every answer set, GCP included; rendered only, nothing is run."""
    from dayone.checks import ALL_CHECKS
    from dayone.checks.runner import applicable, makefile_checks

    project = rendered_only(answers)
    checks = _make_check_targets(project)
    assert makefile_checks(project, dict(os.environ)) == checks  # what dayone check reads
    recorded = read_answers(project)
    steps = applicable(ALL_CHECKS, recorded, checks)
    table_targets = {t for c in ALL_CHECKS for t in c.targets}
    # A target no applicable table entry runs would run as a plain `make <target>`: uncached,
    # and not in its lane (the GCP validate and tests, skipped offline, would fail instead).
    assert [c.name for c in steps if c not in ALL_CHECKS] == []
    dayone_targets = sorted(t for c in steps for t in c.targets)
    assert dayone_targets == sorted(checks)
    if recorded.get("ci", "none") != "none":
        assert _ci_make_targets(project) & table_targets == set(checks)
    if recorded.get("cloud", "aws") != "none":
        assert {"infra-fmt", "infra-scan", "infra-validate", "infra-test"} <= set(checks)
        # AWS's emulated apply, and the IAM scan of its plans: both in CI too.
        for target in ("infra-local", "infra-iam-scan"):
            assert (target in checks) == (recorded.get("cloud", "aws") == "aws")
    else:
        assert not any(target.startswith("infra-") for target in checks)


def test_a_step_ci_does_not_run_is_found(rendered_project: Rendered, tmp_path: Path) -> None:
    project, _ = rendered_project("defaults")
    clone = tmp_path / "project"
    shutil.copytree(project, clone, ignore=shutil.ignore_patterns(".venv", ".git"))
    workflow = clone / ".github" / "workflows" / "ci.yml"
    workflow.write_text(workflow.read_text(encoding="utf-8").replace("make infra-scan", "true"))
    assert "infra-scan" in set(_make_check_targets(clone)) - _ci_make_targets(clone)


USES = re.compile(r"uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s*#\s*(v[\w.]+)")


def _unpinned_in_docs(project: Path, table: str) -> list[str]:
    """Every action a project's GitHub files use (name, SHA, release) that docs/ci-cd.md's
    table of pins does not list with that SHA and release."""
    rows = set(re.findall(r"^\| ([\w./-]+) \| (v[\w.]+) \| ([0-9a-f]{40}) \|$", table, re.M))
    used = {
        (name, release, sha)
        for path in sorted((project / ".github").rglob("*.yml"))
        for name, sha, release in USES.findall(path.read_text(encoding="utf-8"))
    }
    return sorted(f"{n}@{s} # {r}" for n, r, s in used - rows)


@pytest.mark.parametrize("answers", ["defaults", "gcp"])
def test_every_action_used_is_in_the_docs_table_of_pins(
    rendered_only: Callable[[str], Path], answers: str
) -> None:
    """docs/ci-cd.md lists each pinned action with its release and SHA (to check them when
    bumping); both clouds' generated files, local composite actions included."""
    table = (REPO_ROOT / "docs" / "ci-cd.md").read_text(encoding="utf-8")
    assert _unpinned_in_docs(rendered_only(answers), table) == []


def test_an_action_missing_from_the_table_of_pins_is_found(
    rendered_only: Callable[[str], Path],
) -> None:
    table = (REPO_ROOT / "docs" / "ci-cd.md").read_text(encoding="utf-8")
    row = next(line for line in table.splitlines() if line.startswith("| actions/checkout |"))
    found = _unpinned_in_docs(rendered_only("defaults"), table.replace(row + "\n", ""))
    assert found and all(f.startswith("actions/checkout@") for f in found), found
