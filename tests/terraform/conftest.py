"""Fixtures for the Terraform tier: one runner per session, wired to the provider mirror."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dayone.errors import DayoneError
from dayone.terraform import Terraform, terraform_for
from tests.conftest import Checked

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULES_DIR = REPO_ROOT / "terraform_modules"


def module_dirs() -> list[Path]:
    return sorted(p.parent for p in MODULES_DIR.glob("*/*/main.tf"))


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    """A runner with a CLI config in a temp dir (the provider linked from the mirror).

    No mirror is a failure, not a skip: a silently skipped Terraform tier looks green.
    """
    try:
        return terraform_for(
            config_dir=tmp_path_factory.mktemp("tf-cli-config"),
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
# The roles every environment has (infra/names: "<slug>--<env>-<role>"): the CI identities,
# the trainer and the roles the services run as (training, image build, slice tasks).
ENVIRONMENT_ROLES = (
    "deploy",
    "plan",
    "trainer",
    "training",
    "image-codebuild",
    "slice-worker",
    "slice-execution",
)


def environment_roles(slug: str, env: str) -> set[str]:
    """The names of the roles every environment has."""
    return {f"{slug}--{env}-{role}" for role in ENVIRONMENT_ROLES}


@pytest.fixture(scope="session")
def plans(checked_project: Callable[[str], Checked]) -> Callable[[str], dict[str, dict[str, Any]]]:
    """The plans of dev, staging and prod that `dayone check --all-envs` applied on the
    emulator for an answer set: made once, by the check, and read by every test that needs
    one. Tests that read them run in the answer set's xdist group (see `grouped`)."""

    def get(name: str) -> dict[str, dict[str, Any]]:
        records = checked_project(name).records
        return {env: json.loads((records / f"{env}.plan.json").read_text()) for env in ENVIRONMENTS}

    return get


def grouped(*names: str) -> list[Any]:
    """Parameters for answer sets, each in its xdist group: the worker that checks a set runs
    every test that reads its check, so the check runs once."""
    return [pytest.param(name, marks=pytest.mark.xdist_group(name)) for name in names]


@pytest.fixture(scope="session")
def bootstrap_plans(
    checked_project: Callable[[str], Checked],
) -> Callable[[str], dict[str, dict[str, Any]]]:
    """The plans of each environment's infra/bootstrap (the state bucket and every IAM
    identity) that the check applied, or planned offline for environments it did not apply."""

    def get(name: str) -> dict[str, dict[str, Any]]:
        records = checked_project(name).records
        return {
            env: json.loads((records / f"{env}.bootstrap.plan.json").read_text())
            for env in ENVIRONMENTS
        }

    return get


@pytest.fixture(scope="session")
def applied_policies(
    checked_project: Callable[[str], Checked],
) -> Callable[[str], dict[str, list[dict[str, Any]]]]:
    """Every IAM document the check's emulated apply read back, by environment it applied."""

    def get(name: str) -> dict[str, list[dict[str, Any]]]:
        records = checked_project(name).records
        return {
            env: json.loads((records / f"{env}.applied-policies.json").read_text())
            for env in ENVIRONMENTS
            if (records / f"{env}.applied-policies.json").is_file()
        }

    return get
