"""Planning an environment with no cloud account: a throwaway copy, a local backend, fake
credentials, and a local AWS emulator (moto) answering the few API calls a plan makes
(STS GetCallerIdentity for `aws_caller_identity`).

Nothing is written into the project: the override lives in the copy only.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dayone.errors import DayoneError
from dayone.terraform import Terraform

OVERRIDE_FILE = "dayone_offline_override.tf"
MOTO_START_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _moto_server() -> str:
    beside_python = Path(sys.executable).with_name("moto_server")
    found = str(beside_python) if beside_python.exists() else shutil.which("moto_server")
    if not found:
        raise DayoneError(
            "an offline plan needs moto_server (pip install 'moto[server]'), "
            "a local AWS emulator for the plan's read-only API calls"
        )
    return found


@contextlib.contextmanager
def local_aws() -> Iterator[str]:
    """Run moto_server on 127.0.0.1 for the duration; yield its endpoint URL."""
    port = _free_port()
    process = subprocess.Popen(
        [_moto_server(), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + MOTO_START_TIMEOUT_S
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise DayoneError(f"moto_server did not start on 127.0.0.1:{port}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def override_text(endpoint: str) -> str:
    """A local backend and a provider that talks to `endpoint` with fake credentials."""
    return f"""# Written by dayone for an offline plan, in a throwaway copy only.
terraform {{
  backend "local" {{}}
}}

provider "aws" {{
  access_key                  = "offline-plan"
  secret_key                  = "offline-plan"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = true

  endpoints {{
    sts = "{endpoint}"
  }}
}}
"""


def copy_infra(infra: Path, destination: Path) -> Path:
    """Copy `infra/` without local Terraform state, caches or plans."""
    shutil.copytree(
        infra,
        destination,
        symlinks=False,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "*.tfplan", "tfplan"),
    )
    return destination


def plan_environment(
    terraform: Terraform, env_dir: Path, endpoint: str, var_file: Path | None = None
) -> dict[str, Any]:
    """Init with a local backend and plan `env_dir` (inside a copy: an environment, or the
    bootstrap with an environment's `var_file`); return the JSON plan."""
    (env_dir / OVERRIDE_FILE).write_text(override_text(endpoint), encoding="utf-8")
    terraform.init(env_dir, backend=True)
    return terraform.plan(env_dir, var_file=var_file)


def planned_resources(plan: dict[str, Any]) -> dict[str, list[str]]:
    """Resource address -> planned actions, for every managed resource in the plan."""
    return {
        change["address"]: change["change"]["actions"]
        for change in plan.get("resource_changes", [])
        if change.get("mode") == "managed"
    }
