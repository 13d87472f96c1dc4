"""Slow tier: the generated GitLab pipeline, run job by job on this machine with gitlab-ci-local
(tests/support/js), shell executor, no Docker, against the project's own AWS emulator.

The merge-request pipeline of the `gitlab` answer set is listed and run: its lint, test and
per-environment plan jobs must pass, and no deploy job may be in it. A user runs the same with
`npx gitlab-ci-local --force-shell-executor --variable CI_PIPELINE_SOURCE=merge_request_event
--job lint --job test` (docs/ci-cd.md, "Running the pipeline locally").

What gitlab-ci-local cannot express, and how it is simulated here:

- Images: every job runs on this machine's tools (--force-shell-executor): the host's uv,
  make and terraform stand in for the pinned PYTHON_IMAGE and TERRAFORM_IMAGE. UV_CACHE_DIR
  points at this machine's uv cache (GitLab's job cache, keyed on uv.lock, is not emulated).
- The pipeline source: gitlab-ci-local runs every pipeline as a push; the merge-request
  pipeline is CI_PIPELINE_SOURCE=merge_request_event given as a variable (the workflow and
  job rules then evaluate as GitLab's would), from the source branch `feature`.
- id_tokens (and CI_JOB_JWT, which GitLab removed): gitlab-ci-local mints no ID token. The
  test gives each job AWS_ID_TOKEN as GitLab would fill it in: issuer gitlab.com, the job's
  `aud` read from .gitlab-ci.yml, and the `sub` the project's set-up configures, built by the
  project's own infra/local/ci_tokens.py (as `make infra-local` does). The token is unsigned:
  the emulator checks issuer, audience, subject and expiry against the role's trust, not a
  signature (infra/local/iam_authorization.py).
- AWS: terraform itself exchanges the token (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE,
  written by the job's own `.aws-oidc` before_script) at the emulator's STS: moto on
  127.0.0.1 with IAM enforced (infra/local/emulator.py). The endpoint reaches terraform
  through AWS_ENDPOINT_URL and an untracked zz_emulator_override.tf per environment (S3
  path-style addressing and the backend's endpoints; no credentials in it), as
  `make infra-local` does in its copy. Each environment's bootstrap (state bucket, CI roles,
  the OIDC provider) is applied first by its administrator, as infra/local/apply_destroy.py
  does; the plan roles' ARNs are the CI/CD variables AWS_PLAN_ROLE_ARN_<ENV>.
- Protected environments: gitlab-ci-local has none, and runs a job it is asked to run
  whatever its rules say. Two things stand for them: the merge-request pipeline lists no
  deploy or image job (the rules; main's push pipeline, the control, lists them), and a
  deploy-prod job forced to run from the merge request's branch carries the token GitLab
  would give it there (ref `feature`, environment prod, protected): prod's deploy role
  refuses it at the emulator's STS, so the job fails before terraform touches anything.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from dayone.checks import ALL_CHECKS
from dayone.tools import project_environment
from tests.conftest import LEFT_TO_PIPELINE, Checked
from tests.support.js_tools import GITLAB_CI_LOCAL, tool
from tests.support.project import read_answers

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("gitlab")]

ANSWER_SET = "gitlab"
SOURCE_BRANCH = "feature"
OVERRIDE = "zz_emulator_override.tf"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# What makes the environments' provider and S3 backend reach the emulator; no credentials:
# those come from the job's web-identity token.
ENVIRONMENT_OVERRIDE = """\
provider "aws" {
  # The token exchange: terraform's own AssumeRoleWithWebIdentity, at the emulator's STS.
  endpoints {
    sts = "%(endpoint)s"
  }
  s3_use_path_style       = true
  skip_metadata_api_check = true
  skip_region_validation  = true
}

terraform {
  backend "s3" {
    bucket                      = "%(bucket)s"
    key                         = "%(key)s"
    region                      = "%(region)s"
    encrypt                     = true
    use_lockfile                = true
    endpoints                   = { s3 = "%(endpoint)s", sts = "%(endpoint)s" }
    use_path_style              = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }
}
"""


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Pipeline:
    """gitlab-ci-local in the project, as one context (pipeline source, branch, variables)."""

    def __init__(self, project: Path, state: Path, env: dict[str, str]) -> None:
        self.project, self.state, self.env = project, state, env

    def run(self, *args: str, variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
        command = [*tool(GITLAB_CI_LOCAL), "--home", str(self.state / "home")]
        command += ["--force-shell-executor", "--max-job-name-padding", "0"]
        command += [
            "--ignore-predefined-vars",
            ",".join(k for k in variables if k.startswith("CI_")),
        ]
        for key, value in variables.items():
            command += ["--variable", f"{key}={value}"]
        done = subprocess.run(
            [*command, *args], cwd=self.project, env=self.env, capture_output=True, text=True
        )
        # Its colours, whatever it is told, are codes around the words.
        done.stdout, done.stderr = ANSI.sub("", done.stdout), ANSI.sub("", done.stderr)
        return done

    def listed(self, variables: dict[str, str]) -> list[str]:
        done = self.run("--list", variables=variables)
        assert done.returncode == 0, done.stdout + done.stderr
        lines = done.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("name "))
        return [re.split(r"\s{2,}", line.strip())[0] for line in lines[start + 1 :] if line.strip()]


def failed_jobs(output: str) -> list[str]:
    """The jobs gitlab-ci-local reports failed (its closing summary)."""
    return re.findall(r"^\s*FAIL\s+(.+?)\s*$", output, re.MULTILINE)


@pytest.fixture(scope="module")
def emulated_aws(
    checked_project: Callable[[str], Checked], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The project's emulator with every environment's bootstrap applied by its administrator,
    IAM enforced; each environment's override written into the project (removed after)."""
    checked = checked_project(ANSWER_SET)
    project = checked.project
    local = project / "infra" / "local"
    emulator_module = _load(local / "emulator.py", "gitlab_pipeline_emulator")
    apply_destroy = _load(local / "apply_destroy.py", "gitlab_pipeline_apply_destroy")
    scratch = tmp_path_factory.mktemp("gitlab-pipeline-bootstrap")
    written: list[Path] = []
    with emulator_module.running_emulator() as emulator:
        account = emulator_module.ACCOUNT_ID
        admin = apply_destroy.Credentials(*emulator.admin_credentials(account))
        emulator.enforce_iam(True)
        outputs: dict[str, dict[str, Any]] = {}
        try:
            for env in _deploy_order(project):
                work = scratch / env
                shutil.copytree(
                    project / "infra",
                    work / "infra",
                    ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "tfplan*", "local"),
                )
                bootstrap = work / "infra" / "bootstrap"
                (bootstrap / OVERRIDE).write_text(
                    apply_destroy.PROVIDER_OVERRIDE % admin.fields("  "), encoding="utf-8"
                )
                tf = apply_destroy.Terraform(
                    apply_destroy.terraform_environment(emulator, work), env
                )
                tfvars = (work / "infra" / "envs" / env / "terraform.tfvars.json").resolve()
                tf(bootstrap, "init", "-input=false")
                tf(bootstrap, "apply", "-input=false", "-auto-approve", f"-var-file={tfvars}")
                outputs[env] = apply_destroy.outputs_of(tf, bootstrap)
                env_dir = project / "infra" / "envs" / env
                override = env_dir / OVERRIDE
                override.write_text(
                    ENVIRONMENT_OVERRIDE
                    % {**apply_destroy.backend_settings(env_dir), "endpoint": emulator.endpoint},
                    encoding="utf-8",
                )
                written.append(override)
            yield {"emulator": emulator, "outputs": outputs, "checked": checked}
        finally:
            for env_dir in (project / "infra" / "envs").iterdir():
                for leftover in (OVERRIDE, "tfplan", "tfplan.txt", ".terraform.lock.hcl"):
                    (env_dir / leftover).unlink(missing_ok=True)
                shutil.rmtree(env_dir / ".terraform", ignore_errors=True)
            shutil.rmtree(project / ".gitlab-ci-local", ignore_errors=True)


def _deploy_order(project: Path) -> list[str]:
    """The environments in deploy order (the first makes the account's OIDC provider)."""
    tfvars = next((project / "infra" / "envs").glob("*/terraform.tfvars.json"))
    return list(json.loads(tfvars.read_text(encoding="utf-8"))["environments"])


def _pipeline(project: Path, state: Path, checked: Checked) -> Pipeline:
    env = project_environment(checked.env)
    # Nothing of this machine's AWS settings reaches a job: the jobs get theirs from the test.
    env = {k: v for k, v in env.items() if not k.startswith("AWS_")}
    env.pop("TF_CLI_CONFIG_FILE", None)
    return Pipeline(project, state, env)


def _terraform_variables(state: Path) -> dict[str, str]:
    """The host's terraform gets the aws provider the way `dayone check` does: from the
    mirror DAYONE_TF_MIRROR names, when set (offline machines)."""
    mirror = os.environ.get("DAYONE_TF_MIRROR")
    if not mirror:
        return {}
    rc = state / "mirror.tfrc"
    aws = "registry.terraform.io/hashicorp/aws"
    rc.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = {json.dumps(mirror)}\n    include = ["{aws}"]\n  }}\n'
        f'  direct {{\n    exclude = ["{aws}"]\n  }}\n'
        "}\n",
        encoding="utf-8",
    )
    return {"TF_CLI_CONFIG_FILE": str(rc)}


def _uv_cache() -> str:
    done = subprocess.run(
        ["uv", "cache", "dir"], capture_output=True, text=True, env=project_environment()
    )
    return done.stdout.strip()


def test_merge_request_pipeline_runs_green_and_deploys_nothing(
    emulated_aws: dict[str, Any], tmp_path: Path
) -> None:
    checked: Checked = emulated_aws["checked"]
    emulator = emulated_aws["emulator"]
    outputs: dict[str, dict[str, Any]] = emulated_aws["outputs"]
    project = checked.project
    envs = list(outputs)
    tokens = _load(project / "infra" / "local" / "ci_tokens.py", "gitlab_pipeline_ci_tokens")
    token_of = _load(
        project / "infra" / "local" / "iam_authorization.py", "gitlab_pipeline_iam_authorization"
    ).web_identity_token
    repository = str(read_answers(project)["repository"])
    pipeline = _pipeline(project, tmp_path, checked)
    plan_roles = {f"AWS_PLAN_ROLE_ARN_{e.upper()}": str(outputs[e]["plan_role_arn"]) for e in envs}

    # The rules: a merge request's pipeline holds no deploy or image job; main's (the
    # control) holds one of each per environment.
    merge_request = {"CI_PIPELINE_SOURCE": "merge_request_event", **plan_roles}
    listed = pipeline.listed(merge_request)
    assert {"lint", "test", *(f"plan-{e}" for e in envs)} <= set(listed), listed
    assert not [j for j in listed if j.startswith(("deploy-", "image-"))], listed
    on_main = pipeline.listed({"CI_PIPELINE_SOURCE": "push", **plan_roles})
    assert {f"{kind}-{e}" for e in envs for kind in ("deploy", "image")} <= set(on_main)

    # The jobs, each with the ID token GitLab gives it in the merge request's pipeline.
    plan = tokens.gitlab_job_token(project, f"plan-{envs[0]}", repository)
    plan_token = tokens.gitlab_token(repository, plan.audience, ref=SOURCE_BRANCH)
    variables = {
        **merge_request,
        "CI_COMMIT_REF_NAME": SOURCE_BRANCH,
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": SOURCE_BRANCH,
        "AWS_ID_TOKEN": token_of(plan_token.issuer, plan_token.audience, plan_token.subject),
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(tmp_path / "aws-web-identity-token"),
        "AWS_ENDPOINT_URL": emulator.endpoint,
        "UV_CACHE_DIR": _uv_cache(),
        **_terraform_variables(tmp_path),
    }
    # The check of this set leaves to the lint job the steps it runs (tests/conftest.py).
    lint = yaml.safe_load((project / ".gitlab-ci.yml").read_text(encoding="utf-8"))["lint"]
    by_name = {c.name: c for c in ALL_CHECKS}
    for step in LEFT_TO_PIPELINE[ANSWER_SET]:
        assert [f"make {t}" for t in by_name[step].targets] <= lint["script"], step
    jobs = ["lint", "test", *(f"plan-{e}" for e in envs)]
    started = time.monotonic()
    args = [a for job in jobs for a in ("--job", job)]
    done = pipeline.run(*args, variables=variables)
    took = time.monotonic() - started
    output = done.stdout + done.stderr
    (tmp_path / "pipeline.log").write_text(output, encoding="utf-8")
    assert done.returncode == 0 and not failed_jobs(output), (
        f"jobs failed: {failed_jobs(output)} (after {took:.0f} s)\n{output[-6000:]}"
    )
    for env in envs:
        shown = (project / "infra" / "envs" / env / "tfplan.txt").read_text(encoding="utf-8")
        # Nothing applied yet: the plan creates the environment, as the plan role read it.
        assert "will be created" in shown, shown[-2000:]

    # A deploy job forced to run from the merge request's branch: its token (ref `feature`,
    # prod protected, production tier) is refused by prod's deploy role at STS.
    prod = envs[-1]
    deploy = tokens.gitlab_job_token(project, f"deploy-{prod}", repository)
    forced = tokens.gitlab_token(
        repository, deploy.audience, ref=SOURCE_BRANCH, environment=prod,
        deployment_tier="production", protected=True,
    )  # fmt: skip
    role = str(outputs[prod]["deploy_role_arn"])
    refused = pipeline.run(
        "--job",
        f"deploy-{prod}",
        variables={
            **variables,
            "AWS_ID_TOKEN": token_of(forced.issuer, forced.audience, forced.subject),
            "AWS_DEPLOY_ROLE_ARN": role,
        },
    )
    said = refused.stdout + refused.stderr
    (tmp_path / "deploy.log").write_text(said, encoding="utf-8")
    assert refused.returncode != 0 and failed_jobs(said) == [f"deploy-{prod}"], said[-4000:]
    # The emulator's trust check refused the token (terraform wraps its message).
    assert "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity" in said
    assert f"ref:{SOURCE_BRANCH}:environment_protected:true" in said, said[-4000:]
    # The control: main's deploy-prod token is the one that role takes.
    assert emulator.assume_role_with_web_identity(
        role, token_of(deploy.issuer, deploy.audience, deploy.subject), "control"
    )["session_token"]
