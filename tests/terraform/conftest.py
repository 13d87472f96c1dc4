"""Fixtures for the Terraform tier: one runner per session, wired to the provider mirror."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dayone.errors import DayoneError
from dayone.offline_plan import copy_infra, local_aws, plan_environment
from dayone.terraform import Terraform, terraform_for

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULES_DIR = REPO_ROOT / "terraform_modules"


def module_dirs() -> list[Path]:
    return sorted(p.parent for p in MODULES_DIR.glob("*/main.tf"))


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    """A runner with a CLI config in a temp dir and one plugin cache shared by every test.

    No mirror is a failure, not a skip: a silently skipped Terraform tier looks green.
    """
    try:
        return terraform_for(
            config_dir=tmp_path_factory.mktemp("tf-cli-config"),
            plugin_cache_dir=tmp_path_factory.mktemp("tf-plugin-cache"),
        )
    except DayoneError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def module_copy(tmp_path: Path) -> Callable[[Path], Path]:
    """Copy a module out of the source tree, so init leaves no .terraform/ behind and runs in
    parallel do not share one."""

    def copy(module: Path) -> Path:
        dest = tmp_path / module.name
        shutil.copytree(
            module, dest, ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl")
        )
        return dest

    return copy


ENVIRONMENTS = ("dev", "staging", "prod")
Rendered = Callable[[str], tuple[Path, dict[str, str]]]


@pytest.fixture(scope="session")
def plans(
    rendered_project: Rendered, terraform: Terraform, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], dict[str, dict[str, Any]]]:
    """Offline plans of dev, staging and prod for an answer set, made once per session."""
    cache: dict[str, dict[str, dict[str, Any]]] = {}

    def get(name: str) -> dict[str, dict[str, Any]]:
        if name not in cache:
            project, _ = rendered_project(name)
            infra = copy_infra(project / "infra", tmp_path_factory.mktemp(f"plan-{name}") / "infra")
            with local_aws() as endpoint:
                cache[name] = {
                    env: plan_environment(terraform, infra / "envs" / env, endpoint)
                    for env in ENVIRONMENTS
                }
        return cache[name]

    return get
