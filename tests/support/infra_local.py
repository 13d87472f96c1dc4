"""A rendered project's own infra/local scripts, imported by the tests that drive them."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any


def load_apply_script(project: Path) -> ModuleType:
    """The project's infra/local/apply_destroy.py, imported under a unique name (its INFRA is
    that project's); its folder goes on sys.path for the modules it imports."""
    local = project / "infra" / "local"
    sys.path.insert(0, str(local))
    spec = importlib.util.spec_from_file_location(
        f"apply_destroy_{uuid.uuid4().hex}", local / "apply_destroy.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Bootstrapped:
    """An environment's bootstrap applied on the emulator from a scratch copy of infra/."""

    infra: Path  # the scratch copy
    tf: Any  # the project's Terraform runner, pointed at the emulator
    admin: Any  # the account administrator's credentials
    outputs: dict[str, Any]  # the bootstrap's outputs (state bucket, CI roles)


def bootstrap_as_admin(
    local: ModuleType, emulator: Any, project: Path, scratch: Path, environment: str = "dev"
) -> Bootstrapped:
    """As its administrator would, once: `environment`'s state bucket and identities, in the
    emulator's main account, with IAM enforced from here on."""
    admin = local.Credentials(*emulator.admin_credentials(local.ACCOUNT_ID))
    emulator.enforce_iam(True)
    infra = scratch / "infra"
    shutil.copytree(
        project / "infra",
        infra,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "tfplan", "local"),
    )
    tf = local.Terraform(local.terraform_environment(emulator, scratch), environment)
    tfvars = (infra / "envs" / environment / "terraform.tfvars.json").resolve()
    bootstrap = infra / "bootstrap"
    (bootstrap / local.OVERRIDE).write_text(
        local.PROVIDER_OVERRIDE % admin.fields("  "), encoding="utf-8"
    )
    tf(bootstrap, "init", "-input=false")
    tf(bootstrap, "apply", "-auto-approve", "-input=false", f"-var-file={tfvars}")
    return Bootstrapped(infra, tf, admin, local.outputs_of(tf, bootstrap))
