"""Training as a job on the environment: a SageMaker training job that runs the image built
for the current commit, as the environment's training role, with the same CLI entry point.

What the job needs is read from the environment's applied state (its Terraform outputs
`repository_url` and `training_role_arn`), so nothing is configured twice. The image is
named by digest: the tag the build gave it (the git commit) is looked up in ECR once, and
the job, and the run it records, name exactly those bytes. docs/decisions/0005 says why
SageMaker.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import provenance
from .config import ENV_PREFIX, LakeConfig, RunConfig
from .errors import ConfigError, RunError

INSTANCE_TYPE = "ml.m5.large"
MAX_RUNTIME_SECONDS = 3600


@dataclass(frozen=True)
class Target:
    repository_url: str
    role_arn: str
    image: str  # repository@sha256:...
    region: str | None  # the repository's: the job runs where its image is


def _region(repository_url: str) -> str | None:
    """<account>.dkr.ecr.<region>.amazonaws.com/<name> -> <region>."""
    registry = repository_url.partition("/")[0].split(".")
    return registry[3] if len(registry) >= 6 else None


def applied_outputs(root: Path, environment: str) -> dict[str, Any]:
    state, where = provenance.read_state(root, environment)
    if state is None:
        raise RunError(f"the applied state of {environment} is {where}: apply it first")
    return provenance.state_outputs(state)


def _image_digest(repository_url: str, tag: str) -> str:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    repository = repository_url.partition("/")[2]
    try:
        found = boto3.client("ecr", region_name=_region(repository_url)).describe_images(
            repositoryName=repository, imageIds=[{"imageTag": tag}]
        )["imageDetails"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        raise RunError(
            f"no image {repository_url}:{tag} ({code}): build the commit first "
            "(CI's image build, or the CodeBuild project `image_build_project`)"
        ) from None
    except BotoCoreError as error:
        raise RunError(f"cannot reach ECR for {repository_url}: {error}") from None
    return str(found[0]["imageDigest"])


def resolve(root: Path, environment: str, commit: str) -> Target:
    outputs = applied_outputs(root, environment)
    missing = [k for k in ("repository_url", "training_role_arn") if not outputs.get(k)]
    if missing:
        raise RunError(f"the applied state of {environment} has no output(s) {missing}")
    url, role = str(outputs["repository_url"]), str(outputs["training_role_arn"])
    return Target(url, role, f"{url}@{_image_digest(url, commit)}", _region(url))


def job_name(job_prefix: str) -> str:
    """`<job_prefix>-train-<UTC time>` (job_prefix is the environment's `<project>--<env>`),
    so every name of the environment keeps one prefix."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return re.sub(r"[^A-Za-z0-9-]", "-", f"{job_prefix}-train-{stamp}")[-63:]


def container_arguments(config_file: Path, comment: str) -> list[str]:
    """The image's own CLI, `train` with this configuration: the same on every cloud."""
    return ["train", "--config", config_file.as_posix(), "--comment", comment]


def job_lake(settings: RunConfig, config_file: Path) -> LakeConfig:
    if settings.lake is None:
        raise ConfigError(f"{config_file} has no lake: section; a remote job writes to the lake")
    return settings.lake


def container_environment(image: str, tracking_uri: str | None) -> dict[str, str]:
    """What the job's container is told: its image, and to work in the lake."""
    environment = {
        provenance.IMAGE_VARIABLE: image,
        # A job always works in the lake: its own disk is gone when it ends.
        f"{ENV_PREFIX}LAKE__ENABLED": "true",
    }
    if tracking_uri:
        environment["MLFLOW_TRACKING_URI"] = tracking_uri
    return environment


def job_request(
    settings: RunConfig,
    config_file: Path,
    comment: str,
    commit: str,
    target: Target,
    entry_point: str,
    job_prefix: str,
    tracking_uri: str | None,
) -> dict[str, Any]:
    """The CreateTrainingJob request."""
    lake = job_lake(settings, config_file)
    return {
        "TrainingJobName": job_name(job_prefix),
        "AlgorithmSpecification": {
            "TrainingImage": target.image,
            "TrainingInputMode": "File",
            "ContainerEntrypoint": [entry_point],
            "ContainerArguments": container_arguments(config_file, comment),
        },
        "RoleArn": target.role_arn,
        "OutputDataConfig": {"S3OutputPath": f"s3://{lake.artifacts_bucket}/jobs/"},
        "ResourceConfig": {"InstanceType": INSTANCE_TYPE, "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS},
        "Environment": container_environment(target.image, tracking_uri),
        "Tags": [{"Key": "git-commit", "Value": commit}],
    }


def submit(request: dict[str, Any], target: Target) -> str:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        boto3.client("sagemaker", region_name=target.region).create_training_job(**request)
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", "error")
        raise RunError(f"SageMaker refused the training job: {message}") from None
    except BotoCoreError as error:
        raise RunError(f"cannot reach SageMaker: {error}") from None
    return str(request["TrainingJobName"])


def as_json(request: dict[str, Any]) -> str:
    return json.dumps(request, indent=2, sort_keys=True)
