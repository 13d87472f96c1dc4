"""Planning an environment with no cloud account: a throwaway copy, a local backend, fake
credentials, and a local AWS emulator (moto) answering the few API calls a plan makes
(STS GetCallerIdentity for `aws_caller_identity`).

Nothing is written into the project: the override lives in the copy only.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from dayone.checks.runner import CheckContext, CheckFailed, command
from dayone.errors import DayoneError
from dayone.terraform import Terraform

# What the emulated apply writes next to <env>.plan.json: every policy document of the
# environment as the (emulated) cloud holds it after apply (dayone.checks.iam reads it).
APPLIED_SUFFIX = ".applied-policies.json"
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


# ---- the emulator lane's adapter: `make infra-local`, and the plans the IAM scan reads ----


def offline_plans(context: CheckContext) -> dict[str, list[dict[str, Any]]]:
    """Plans of every environment (its stack and its bootstrap) against a local AWS emulator,
    with fake credentials, made once per check run for the checks that read plans (the IAM
    scan); by environment, the stack's plan first."""
    missing = [
        (e, kind)
        for e in context.environments
        for kind, plans in (("", context.plans), (".bootstrap", context.bootstrap_plans))
        if e not in plans
    ]
    if missing:  # the emulated apply, when it ran, left the plans it applied
        with local_aws() as endpoint:
            for environment, kind in missing:
                env_dir = context.infra_copy / "envs" / environment
                if kind:
                    plan = plan_environment(
                        context.terraform,
                        context.infra_copy / "bootstrap",
                        endpoint,
                        var_file=env_dir / "terraform.tfvars.json",
                    )
                    context.bootstrap_plans[environment] = plan
                else:
                    plan = plan_environment(context.terraform, env_dir, endpoint)
                    context.plans[environment] = plan
                if context.options.out_dir is not None:  # kept with the apply's records
                    record = context.options.out_dir / f"{environment}{kind}.plan.json"
                    record.write_text(json.dumps(plan), encoding="utf-8")
    return {e: [context.plans[e], context.bootstrap_plans[e]] for e in context.environments}


EMULATED_APPLY = "infra/local/apply_destroy.py"


def terraform_emulated_apply(context: CheckContext) -> str:
    """Apply and destroy dev (or every environment) on the project's local AWS emulator:
    `make infra-local`, keeping the plans it applied for the IAM scan."""
    if not (context.project / EMULATED_APPLY).is_file():
        raise CheckFailed(f"{EMULATED_APPLY} is missing: update the project (dayone update)")
    records = context.options.out_dir or context.scratch / "emulated-apply"
    target = [f"OUT_DIR={records}", *(["ALL=1"] if context.options.all_envs else ["ENV=dev"])]
    run = command("make", "--no-print-directory", "infra-local", *target)
    output = run(replace(context, env=context.terraform_env))
    # The plans it applied are the plans later steps read (the IAM scan): made once. So are
    # the policies it read back from the emulator after apply, which the plans cannot show.
    for plan in sorted(records.glob("*.plan.json")):
        environment = plan.name.removesuffix(".plan.json")
        plans = context.plans
        if environment.endswith(".bootstrap"):
            environment, plans = environment.removesuffix(".bootstrap"), context.bootstrap_plans
        plans[environment] = json.loads(plan.read_text(encoding="utf-8"))
    for applied in sorted(records.glob(f"*{APPLIED_SUFFIX}")):
        context.applied_policies[applied.name.removesuffix(APPLIED_SUFFIX)] = applied
    return output
