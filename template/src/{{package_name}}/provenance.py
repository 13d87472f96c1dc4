"""Where a run came from: code version, template version, infrastructure version.

All paths are relative to the project root, which is the working directory (the Makefile
targets and `uv run` from the project root take care of that).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

UNKNOWN = "none"
ANSWERS_FILE = ".copier-answers.yml"
INFRA_VERSION_FILE = Path("infra") / "VERSION"


@dataclass(frozen=True)
class GitState:
    commit: str
    dirty: str  # "true", "false", or "unknown" outside a git repository


def git_state(root: Path) -> GitState:
    """The checked-out commit and whether the tree differs from it (untracked files count)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, check=False
            )
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return GitState(UNKNOWN, "unknown")
    status = git("status", "--porcelain")
    return GitState(commit, "unknown" if status is None else str(bool(status)).lower())


def template_version(root: Path) -> str:
    """The dayone template release the project was last rendered or updated from."""
    path = root / ANSWERS_FILE
    if not path.is_file():
        return UNKNOWN
    try:
        answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return UNKNOWN
    commit = answers.get("_commit") if isinstance(answers, dict) else None
    return str(commit) if commit else UNKNOWN


def infra_version(root: Path) -> str:
    """The version of the Terraform modules in infra/, if the project has any."""
    path = root / INFRA_VERSION_FILE
    if not path.is_file():
        return UNKNOWN
    return path.read_text(encoding="utf-8").strip() or UNKNOWN


BACKEND_FILE = "backend.tf"
# Set by whatever starts the container (the training job, the serving task) to the image
# reference it pulled, repository@sha256:...; absent outside a container.
IMAGE_VARIABLE = "CONTAINER_IMAGE"


def image_reference() -> str:
    """The image this process runs in, as its launcher named it (digest included)."""
    import os

    return os.environ.get(IMAGE_VARIABLE) or "none (not in a container)"


def _backend_settings(
    root: Path, environment: str, names: tuple[str, ...]
) -> dict[str, str] | None:
    """The named string settings of the environment's backend block; None unless all are set."""
    import re

    path = root / "infra" / "envs" / environment / BACKEND_FILE
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    found = {name: re.search(rf'^\s*{name}\s*=\s*"([^"]+)"', text, re.MULTILINE) for name in names}
    values = {name: match.group(1) for name, match in found.items() if match}
    return values if len(values) == len(found) else None


def _backend(root: Path, environment: str) -> dict[str, str] | None:
    return _backend_settings(root, environment, ("bucket", "key", "region"))


def gcs_state_uri(root: Path, environment: str) -> str | None:
    """gs:// URI of the environment's state under a gcs backend (default workspace)."""
    backend = _backend_settings(root, environment, ("bucket", "prefix"))
    if backend is None:
        return None
    return f"gs://{backend['bucket']}/{backend['prefix'].strip('/')}/default.tfstate"


def read_state(root: Path, environment: str) -> tuple[dict[str, Any] | None, str]:
    """(the environment's Terraform state, where it is); None and why when unreadable."""
    import json

    backend = _backend(root, environment)
    if backend is not None:
        location, options = (
            f"s3://{backend['bucket']}/{backend['key']}",
            {"region": backend["region"]},
        )
    else:
        location, options = gcs_state_uri(root, environment) or "", {}
    if not location:
        # No infra/ (cloud = none): nothing to read.
        return None, f"{UNKNOWN} (no state backend in infra/envs/{environment}/)"
    from .cloud import object_store
    from .errors import DataError

    try:
        state = json.loads(object_store(location).read_object(location, **options))
    except DataError as error:
        return None, f"unreadable ({error})"
    except ValueError:
        return None, f"unreadable (not JSON) at {location}"
    if not isinstance(state, dict):
        return None, f"unreadable (not a Terraform state) at {location}"
    return state, location


def state_outputs(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v.get("value") for k, v in (state.get("outputs") or {}).items()}


def deployed_infra(root: Path, environment: str) -> dict[str, str]:
    """What is applied in `environment`, read from its Terraform state at run time.

    The state's lineage and serial name one apply exactly (every apply that changes
    anything increments the serial); the hash of the outputs says what the run could see.
    A state that cannot be read is recorded as such, never guessed.
    """
    import hashlib
    import json

    state, location = read_state(root, environment)
    if state is None:
        return {"infra.state": location}
    outputs = state_outputs(state)
    digest = hashlib.sha256(json.dumps(outputs, sort_keys=True).encode()).hexdigest()
    return {
        "infra.state": location,
        "infra.state_lineage": str(state.get("lineage", UNKNOWN)),
        "infra.state_serial": str(state.get("serial", UNKNOWN)),
        "infra.outputs_sha256": digest,
    }
