"""The OIDC tokens this project's CI jobs carry: issuer, audience and subject, read from the
CI files as the CI service would fill them in. The emulated apply assumes each deploy role
with the token of that environment's deploy job, and the tests try every job's token (and
forged ones) against every role, so the roles' trust is checked against the jobs CI really
runs, not against the trust policies themselves.

GitHub: `sub` is repo:<repo>:environment:<env> for a job in a GitHub environment,
repo:<repo>:pull_request for pull requests, repo:<repo>:ref:<ref> otherwise; `aud` is
sts.amazonaws.com (aws-actions/configure-aws-credentials).

GitLab: `aud` is the job's `id_tokens` audience; `sub` is made of the claims the project's
`ci_id_token_sub_claim_components` names, each as <claim>:<value>, joined by ":". The
project's set-up (docs/decisions/0002-ci-cd.md) sets GITLAB_SUB_CLAIM_COMPONENTS and protects
GITLAB_PROTECTED_ENVIRONMENTS; environment_protected and deployment_tier exist only for a job
with an environment, and a job without one carries the other components only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
GITLAB_ISSUER = "https://gitlab.com"
GITLAB_SUB_CLAIM_COMPONENTS = (
    "project_path",
    "ref_type",
    "ref",
    "environment_protected",
    "deployment_tier",
)


def _environments() -> list[str]:
    """The environments in deploy order: copier.yml's list, as every environment's
    terraform.tfvars.json carries it."""
    envs = Path(__file__).resolve().parents[1] / "envs"
    for tfvars in sorted(envs.glob("*/terraform.tfvars.json")):
        return list(json.loads(tfvars.read_text(encoding="utf-8"))["environments"])
    return []


# The project's protected environments, with approvers (the set-up's step "protect"): every
# environment after the first, as the GitLab pipeline's comment asks.
GITLAB_PROTECTED_ENVIRONMENTS = tuple(_environments()[1:])
# GitLab's tier for an environment whose job names none: from the environment's name.
_TIER_BY_NAME = (
    ("production", ("prod", "production", "live")),
    ("staging", ("staging", "stage", "model", "demo")),
    ("testing", ("test", "qc")),
    ("development", ("dev", "review", "trunk")),
)


@dataclass(frozen=True)
class JobToken:
    issuer: str
    audience: str
    subject: str
    description: str = ""


def github_token(
    repository: str,
    *,
    environment: str | None = None,
    ref: str = "refs/heads/main",
    event: str = "push",
    description: str = "",
) -> JobToken:
    if environment:
        subject = f"repo:{repository}:environment:{environment}"
    elif event == "pull_request":
        subject = f"repo:{repository}:pull_request"
    else:
        subject = f"repo:{repository}:ref:{ref}"
    return JobToken(GITHUB_ISSUER, GITHUB_AUDIENCE, subject, description)


def gitlab_tier(environment: str) -> str:
    name = environment.lower()
    for tier, words in _TIER_BY_NAME:
        if any(word in name for word in words):
            return tier
    return "other"


def gitlab_token(
    project_path: str,
    audience: str,
    *,
    ref: str = "main",
    ref_type: str = "branch",
    environment: str | None = None,
    deployment_tier: str | None = None,
    protected: bool | None = None,
    description: str = "",
) -> JobToken:
    claims = {"project_path": project_path, "ref_type": ref_type, "ref": ref}
    if environment:
        is_protected = (
            environment in GITLAB_PROTECTED_ENVIRONMENTS if protected is None else protected
        )
        claims["environment_protected"] = str(is_protected).lower()
        claims["deployment_tier"] = deployment_tier or gitlab_tier(environment)
    subject = ":".join(f"{c}:{claims[c]}" for c in GITLAB_SUB_CLAIM_COMPONENTS if c in claims)
    return JobToken(GITLAB_ISSUER, audience, subject, description)


def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml

    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def _gitlab_pipeline(project: Path) -> dict[str, Any]:
    """.gitlab-ci.yml with the files it includes (`include: local`, the cloud's jobs) merged in."""
    main = _load_yaml(project / ".gitlab-ci.yml")
    entries = main.pop("include", [])
    pipeline: dict[str, Any] = {}
    for entry in entries if isinstance(entries, list) else [entries]:
        local = entry if isinstance(entry, str) else entry["local"]
        pipeline.update(_load_yaml(project / str(local).lstrip("/")))
    pipeline.update(main)
    return pipeline


def _gitlab_job(pipeline: dict[str, Any], name: str) -> dict[str, Any]:
    """A job with what it `extends` merged in (the job's own keys win)."""
    job = dict(pipeline[name])
    parents = job.get("extends", [])
    for parent in parents if isinstance(parents, list) else [parents]:
        for key, value in _gitlab_job(pipeline, parent).items():
            job.setdefault(key, value)
    return job


def gitlab_job_token(project: Path, job_name: str, project_path: str) -> JobToken:
    """The AWS token of job `job_name` of the GitLab pipeline, in main's pipeline."""
    job = _gitlab_job(_gitlab_pipeline(project), job_name)
    audience = str(job["id_tokens"]["AWS_ID_TOKEN"]["aud"])
    environment = job.get("environment")
    if isinstance(environment, str):
        environment = {"name": environment}
    return gitlab_token(
        project_path,
        audience,
        environment=environment["name"] if environment else None,
        deployment_tier=environment.get("deployment_tier") if environment else None,
        description=job_name,
    )


def github_deploy_environment(project: Path, environment: str) -> str:
    """The GitHub environment the deploy job of `environment` runs in (ci.yml's call of
    deploy.yml, which runs its job in the environment it is given)."""
    workflow = _load_yaml(project / ".github" / "workflows" / "ci.yml")
    return str(workflow["jobs"][f"deploy-{environment}"]["with"]["environment"])


def deploy_job_token(project: Path, ci: str, repository: str, environment: str) -> JobToken:
    """The token the deploy job of `environment` carries."""
    if ci == "github":
        github_environment = github_deploy_environment(project, environment)
        return github_token(
            repository, environment=github_environment, description=f"deploy-{environment}"
        )
    if ci == "gitlab":
        return gitlab_job_token(project, f"deploy-{environment}", repository)
    raise ValueError(f"no CI ({ci}): no deploy job, no token")
