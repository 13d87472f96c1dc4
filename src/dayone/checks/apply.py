"""The emulator lane's adapters: the project's emulated apply (`make infra-local`, its
infra/local/apply_destroy.py) and, after it, its IAM scan (`make infra-iam-scan`,
infra/local/iam_scan.py), which reads the records the apply kept in the same OUT_DIR.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from dayone.checks.runner import CheckContext, CheckFailed, command


def copy_infra(infra: Path, destination: Path) -> Path:
    """Copy `infra/` without local Terraform state, caches or plans."""
    shutil.copytree(
        infra,
        destination,
        symlinks=False,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "*.tfplan", "tfplan"),
    )
    return destination


def planned_resources(plan: dict[str, Any]) -> dict[str, list[str]]:
    """Resource address -> planned actions, for every managed resource in the plan."""
    return {
        change["address"]: change["change"]["actions"]
        for change in plan.get("resource_changes", [])
        if change.get("mode") == "managed"
    }


# ---- the emulator lane's adapters: `make infra-local`, then `make infra-iam-scan` ----------

EMULATED_APPLY = "infra/local/apply_destroy.py"


def records(context: CheckContext) -> Path:
    """Where the apply keeps its records (plans, applied policies) and the scan reads them."""
    return context.options.out_dir or context.scratch / "emulated-apply"


def terraform_emulated_apply(context: CheckContext) -> str:
    """Apply and destroy dev (or every environment) on the project's local AWS emulator:
    `make infra-local`, keeping its records for the IAM scan."""
    if not (context.project / EMULATED_APPLY).is_file():
        raise CheckFailed(f"{EMULATED_APPLY} is missing: update the project (dayone update)")
    target = [
        f"OUT_DIR={records(context)}",
        *(["ALL=1"] if context.options.all_envs else ["ENV=dev"]),
    ]
    run = command("make", "--no-print-directory", "infra-local", *target)
    return run(replace(context, env=context.terraform_env))


def terraform_iam_scan(context: CheckContext) -> str:
    """Every environment's IAM policies: `make infra-iam-scan` over the apply's records (the
    plans it applied, the policies it read back); it plans the environments not applied."""
    run = command("make", "--no-print-directory", "infra-iam-scan", f"OUT_DIR={records(context)}")
    return run(replace(context, env=context.terraform_env))
