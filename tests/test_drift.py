"""Scheduled drift detection (issue 23): a generated project's scripts/ci/drift.py plans an
environment with -detailed-exitcode as its plan role and opens, updates or closes one issue
per environment through the forge's REST API.

End to end on the local AWS emulator: dev is applied as its deploy role with its state kept in
the emulated state bucket; a bucket's tags are changed behind Terraform's back; the drift
script, acting as dev's read-only plan role (the OIDC token of a scheduled job on main),
opens an issue on a stand-in GitHub API; a second run sends no write; once the tags are put
back, the next run closes the issue.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.forge_api import ForgeState, forge_api
from tests.support.infra_local import bootstrap_as_admin

# What the stand-in forge sees as the job's token (no real credential).
JOB_TOKEN = "job-token"  # noqa: S105
TITLE = "Infrastructure drift in dev"


def _load_local(project: Path) -> ModuleType:
    """The rendered project's infra/local/apply_destroy.py (its INFRA is that project's)."""
    local = project / "infra" / "local"
    sys.path.insert(0, str(local))
    spec = importlib.util.spec_from_file_location("drift_apply_destroy", local / "apply_destroy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    # The rendered project is shared by the session's tests: leave no __pycache__ in it.
    writes, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes
    return module


def _drift(
    project: Path, infra: Path, tf_env: dict[str, str], api: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **tf_env,
        "GITHUB_REPOSITORY": "my-org/defaults-project",
        "GITHUB_API_URL": api,
        "GITHUB_TOKEN": JOB_TOKEN,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [
            sys.executable,
            str(project / "scripts" / "ci" / "drift.py"),
            "--env",
            "dev",
            "--infra",
            str(infra),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _issue_writes(state: ForgeState) -> list[tuple[str, str, Any]]:
    return [(r.method, r.path, r.body) for r in state.writes()]


@pytest.mark.slow
def test_drift_opens_one_issue_and_closes_it_when_the_drift_is_gone(
    rendered_project: Callable[[str], tuple[Path, dict[str, str]]],
) -> None:
    project, _ = rendered_project("defaults")
    local = _load_local(project)
    from ci_tokens import github_token
    from emulator import ACCOUNT_ID, running_emulator, web_identity_token

    variables = local.variables_of("dev")
    with (
        tempfile.TemporaryDirectory(prefix="drift-") as scratch_name,
        running_emulator() as emulator,
        forge_api() as (api, state),
    ):
        scratch = Path(scratch_name)
        dev = bootstrap_as_admin(local, emulator, project, scratch)
        infra, tf, admin, bootstrap_outputs = dev.infra, dev.tf, dev.admin, dev.outputs
        env_dir = infra / "envs" / "dev"
        deployer = local.deploy_credentials("dev", emulator, variables, bootstrap_outputs, admin)
        local.write_environment_override(env_dir, emulator, deployer)
        tf(env_dir, "init", "-input=false")
        tf(env_dir, "apply", "-auto-approve", "-input=false")
        purpose, bucket = sorted(local.outputs_of(tf, env_dir)["bucket_names"].items())[0]

        # From here on, as the drift job: dev's plan role, for a scheduled run on main.
        job = github_token(str(variables["repository"]), ref="refs/heads/main")
        token = web_identity_token(job.issuer, job.audience, job.subject)
        planner = emulator.assume_role_with_web_identity(
            str(bootstrap_outputs["plan_role_arn"]), token, "drift-dev"
        )
        local.write_environment_override(
            env_dir,
            emulator,
            local.Credentials(
                planner["access_key"], planner["secret_key"], planner["session_token"]
            ),
        )
        shutil.rmtree(env_dir / ".terraform")  # the drift job starts from a checkout
        tf_env = local.terraform_environment(emulator, scratch)

        clean = _drift(project, infra, tf_env, api)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert "dev: no drift" in clean.stdout
        assert _issue_writes(state) == []

        s3 = emulator.client("s3", access_key=ACCOUNT_ID, secret_key=ACCOUNT_ID)
        tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
        s3.put_bucket_tagging(
            Bucket=bucket, Tagging={"TagSet": [*tags, {"Key": "changed-by", "Value": "hand"}]}
        )
        drifted = _drift(project, infra, tf_env, api)
        assert drifted.returncode == 0, drifted.stdout + drifted.stderr
        writes = _issue_writes(state)
        assert [(m, p) for m, p, _ in writes] == [("POST", "/repos/my-org/defaults-project/issues")]
        opened = writes[0][2]
        assert opened["title"] == TITLE and opened["labels"] == ["drift"]
        # The tag change, and the bucket policies that are computed from the buckets.
        assert "**0 to add, 5 to change, 0 to destroy**" in opened["body"]
        assert (
            f'- `module.stack.module.data_lake.aws_s3_bucket.this["{purpose}"]`: change'
            in opened["body"]
        )
        assert {r.token for r in state.requests} == {JOB_TOKEN}

        again = _drift(project, infra, tf_env, api)
        assert again.returncode == 0, again.stdout + again.stderr
        assert len(state.writes()) == 1, "a second run with the same drift must write nothing"
        assert "unchanged" in again.stdout

        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
        reverted = _drift(project, infra, tf_env, api)
        assert reverted.returncode == 0, reverted.stdout + reverted.stderr
        closing = _issue_writes(state)[1:]
        assert [(m, p) for m, p, _ in closing] == [
            ("POST", "/repos/my-org/defaults-project/issues/1/comments"),
            ("PATCH", "/repos/my-org/defaults-project/issues/1"),
        ]
        assert closing[1][2] == {"state": "closed"}
        assert [i["state"] for i in state.issues] == ["closed"]


# Plans as `terraform show -json` prints them, one per cloud: a setting changed on one bucket,
# one resource replaced (a replace counts as an add and a destroy), a data source read (not a
# change), a resource untouched. With what the issue must say of them.
SAVED_PLANS: dict[str, dict[str, Any]] = {
    "aws": {
        "resource_changes": [
            {
                "address": 'module.stack.aws_s3_bucket.this["raw"]',
                "mode": "managed",
                "change": {"actions": ["update"]},
            },
            {
                "address": "module.stack.aws_s3_bucket_policy.this",
                "mode": "managed",
                "change": {"actions": ["delete", "create"]},
            },
            {
                "address": "data.aws_iam_policy_document.x",
                "mode": "data",
                "change": {"actions": ["read"]},
            },
            {
                "address": "module.stack.aws_ecr_repository.this",
                "mode": "managed",
                "change": {"actions": ["no-op"]},
            },
        ]
    },
    "gcp": {
        "resource_changes": [
            {
                "address": 'module.stack.module.data_lake.google_storage_bucket.this["raw"]',
                "mode": "managed",
                "change": {"actions": ["update"]},
            },
            {
                "address": 'module.stack.module.data_lake.google_bigquery_dataset.this["features"]',
                "mode": "managed",
                "change": {"actions": ["create", "delete"]},
            },
            {
                "address": "data.google_project.this",
                "mode": "data",
                "change": {"actions": ["read"]},
            },
            {
                "address": "module.stack.module.artifact_registry.google_artifact_registry_repository.this",
                "mode": "managed",
                "change": {"actions": ["no-op"]},
            },
        ]
    },
}
REPORTED = {
    "aws": [
        '- `module.stack.aws_s3_bucket.this["raw"]`: change',
        "- `module.stack.aws_s3_bucket_policy.this`: replace",
    ],
    "gcp": [
        '- `module.stack.module.data_lake.google_storage_bucket.this["raw"]`: change',
        '- `module.stack.module.data_lake.google_bigquery_dataset.this["features"]`: replace',
    ],
}
UNTOUCHED = {"aws": "aws_ecr_repository", "gcp": "google_artifact_registry_repository"}


def _gitlab_project(
    cloud: str,
    rendered_project: Callable[[str], tuple[Path, dict[str, str]]],
    fast_template: str,
    tmp_path: Path,
) -> Path:
    """A GitLab project of `cloud`: the `gitlab` answer set (AWS), or GCP's GitLab answers."""
    if cloud == "aws":
        return rendered_project("gitlab")[0]
    from tests.support.answer_checks import try_render
    from tests.test_gcp_infra import GITLAB_GCP

    project = tmp_path / "gcp-gitlab"
    assert try_render(fast_template, project, GITLAB_GCP) is None
    return project


def _drift_report_command(project: Path, env: str) -> str:
    """The command the pipeline's drift-report-<env> job runs (its script, one line)."""
    from tests.support.gitlab_ci import load_pipeline, resolved

    job = resolved(load_pipeline(project), f"drift-report-{env}")
    assert job["variables"]["TF_ENV"] == env
    (command,) = [line for line in job["script"] if "drift.py" in line]
    return str(command)


@dataclass(frozen=True)
class Reported:
    """What the forge received: the issue opened (once, for two runs with the same drift),
    and the writes of the clean run that closed it."""

    opened: Any
    closing: list[tuple[str, str, Any]]


def _report_saved_plan(
    project: Path, plan: dict[str, Any], forge_env: dict[str, str], state: ForgeState, tmp: Path
) -> Reported:
    """As the CI report job runs scripts/ci/drift.py: a plan made by the plan job (its JSON
    and exit code) reported twice with drift, then clean, then failed; the same drift twice
    writes once, and a failed plan touches no issue."""
    plan_json = tmp / "drift.plan.json"
    plan_json.write_text(json.dumps(plan), encoding="utf-8")
    script = project / "scripts" / "ci" / "drift.py"
    env = {"PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1", **forge_env}

    def report(code: int) -> subprocess.CompletedProcess[str]:
        args = ["--env", "dev", "--plan-json", str(plan_json), "--plan-exit-code", str(code)]
        return subprocess.run(
            [sys.executable, str(script), *args], env=env, capture_output=True, text=True
        )

    for _ in range(2):
        drifted = report(2)
        assert drifted.returncode == 0, drifted.stderr
    (opened,) = state.writes()
    clean = report(0)
    assert clean.returncode == 0, clean.stderr
    closing = [(r.method, r.path, r.body) for r in state.writes()[1:]]
    failed = report(1)
    assert failed.returncode == 1 and "no issue was touched" in failed.stderr
    assert len(state.writes()) == 1 + len(closing)
    assert {r.token for r in state.requests} == {JOB_TOKEN}
    return Reported(opened, closing)


def _assert_reported(body: str, cloud: str) -> None:
    assert "**1 to add, 1 to change, 1 to destroy**" in body
    for line in REPORTED[cloud]:
        assert line in body, line
    assert UNTOUCHED[cloud] not in body and "data." not in body


@pytest.mark.parametrize("cloud", ["aws", "gcp"])
def test_a_saved_plan_is_reported_on_gitlab_once_and_closed_when_clean(
    rendered_project: Callable[[str], tuple[Path, dict[str, str]]],
    fast_template: str,
    tmp_path: Path,
    cloud: str,
) -> None:
    """The GitLab pipeline's drift-report-dev job: a plan made by drift-dev (JSON and exit
    code), reported with the project access token; the same drift twice writes once."""
    project = _gitlab_project(cloud, rendered_project, fast_template, tmp_path)
    command = _drift_report_command(project, "dev")
    assert '--plan-json "$dir/drift.plan.json"' in command
    assert '--plan-exit-code "$(cat "$dir/drift.exitcode")"' in command
    with forge_api() as (api, state):
        forge_env = {
            "CI_PROJECT_ID": "7",
            "CI_API_V4_URL": f"{api}/api/v4",
            "GITLAB_API_TOKEN": JOB_TOKEN,
        }
        reported = _report_saved_plan(project, SAVED_PLANS[cloud], forge_env, state, tmp_path)
    opened = reported.opened
    assert (opened.method, opened.path) == ("POST", "/api/v4/projects/7/issues")
    assert opened.body["title"] == TITLE and opened.body["labels"] == "drift"
    _assert_reported(opened.body["description"], cloud)
    assert reported.closing == [
        (
            "POST",
            "/api/v4/projects/7/issues/1/notes",
            {"body": "The drift check finds no drift in `dev` any more."},
        ),
        ("PUT", "/api/v4/projects/7/issues/1", {"state_event": "close"}),
    ]


def test_a_gcp_plan_is_reported_on_github_once_and_closed_when_clean(
    rendered_project: Callable[[str], tuple[Path, dict[str, str]]], tmp_path: Path
) -> None:
    """drift.yml's report job on a Google Cloud project: the plan job's JSON and exit code,
    reported with the job token (issues: write); the same drift twice writes once."""
    project, _ = rendered_project("gcp")
    repository = "my-org/gcp-project"
    with forge_api() as (api, state):
        forge_env = {
            "GITHUB_REPOSITORY": repository,
            "GITHUB_API_URL": api,
            "GITHUB_TOKEN": JOB_TOKEN,
        }
        reported = _report_saved_plan(project, SAVED_PLANS["gcp"], forge_env, state, tmp_path)
    opened = reported.opened
    assert (opened.method, opened.path) == ("POST", f"/repos/{repository}/issues")
    assert opened.body["title"] == TITLE and opened.body["labels"] == ["drift"]
    _assert_reported(opened.body["body"], "gcp")
    assert reported.closing == [
        (
            "POST",
            f"/repos/{repository}/issues/1/comments",
            {"body": "The drift check finds no drift in `dev` any more."},
        ),
        ("PATCH", f"/repos/{repository}/issues/1", {"state": "closed"}),
    ]
