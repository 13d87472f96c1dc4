"""Every module in terraform_modules/: its own `terraform test` suite, a valid example, fmt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dayone.terraform import Terraform
from tests.terraform.conftest import MODULES_DIR, module_dirs

MODULES = module_dirs()
REQUIRED_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")

pytestmark = [pytest.mark.slow, pytest.mark.terraform]


def test_modules_are_found() -> None:
    # An empty parametrization would make every test below pass vacuously.
    assert len(MODULES) >= 8, MODULES


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_layout(module: Path) -> None:
    missing = [name for name in REQUIRED_FILES if not (module / name).is_file()]
    assert not missing, f"{module.name} lacks {missing}"
    assert (module / "examples" / "basic" / "main.tf").is_file()
    assert list((module / "tests").glob("*.tftest.hcl")), f"{module.name} has no tests"


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_terraform_test(
    module: Path, terraform: Terraform, module_copy: Callable[[Path], Path]
) -> None:
    work = module_copy(module)
    terraform.init(work)
    report = terraform.test(work)
    assert "0 failed" in report and " passed" in report, report


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_example_validates(
    module: Path, terraform: Terraform, module_copy: Callable[[Path], Path]
) -> None:
    example = module_copy(module) / "examples" / "basic"
    terraform.init(example)
    terraform.validate(example)


def test_modules_are_formatted(terraform: Terraform) -> None:
    terraform.fmt_check(MODULES_DIR)
