"""Every module in terraform_modules/: its own `terraform test` suite, a valid example, fmt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dayone.terraform import GOOGLE_PROVIDER, Terraform, find_mirror, holds_provider
from tests.terraform.conftest import MODULES_DIR, module_dirs

MODULES = module_dirs()
REQUIRED_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")

pytestmark = [pytest.mark.slow, pytest.mark.terraform]


def test_modules_are_found() -> None:
    # An empty parametrization would make every test below pass vacuously.
    assert len(MODULES) >= 8, MODULES


@pytest.mark.parametrize("module", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_module_layout(module: Path) -> None:
    missing = [name for name in REQUIRED_FILES if not (module / name).is_file()]
    assert not missing, f"{module.name} lacks {missing}"
    assert (module / "examples" / "basic" / "main.tf").is_file()
    assert list((module / "tests").glob("*.tftest.hcl")), f"{module.name} has no tests"


def skip_without_its_provider(module: Path) -> None:
    """GCP modules need hashicorp/google even for mocked tests (init installs the provider
    whose schema the mock stands in for). A mirror without it (this machine's) skips them
    with this reason, visible in the run's summary; CI with the provider runs them, and the
    offline schema check (tests/test_gcp_schema.py) covers their resources here."""
    if module.parent.name != "gcp":
        return
    mirror = find_mirror()
    if mirror is not None and not holds_provider(mirror, GOOGLE_PROVIDER):
        pytest.skip(
            f"{module.name}: the provider mirror {mirror} holds no {GOOGLE_PROVIDER}; "
            "terraform test/validate of GCP modules run where it is installable"
        )


def test_gcp_modules_are_collected_not_dropped() -> None:
    """The GCP modules are parametrized like the others (then skipped with a reason when the
    google provider is missing), never left out of the collection silently."""
    names = {f"{m.parent.name}/{m.name}" for m in MODULES}
    assert {"gcp/state_backend", "gcp/data_lake", "gcp/wif", "gcp/budget"} <= names


@pytest.mark.parametrize("module", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_module_terraform_test(
    module: Path, terraform: Terraform, module_copy: Callable[[Path], Path]
) -> None:
    skip_without_its_provider(module)
    work = module_copy(module)
    terraform.init(work)
    report = terraform.test(work)
    assert "0 failed" in report and " passed" in report, report


@pytest.mark.parametrize("module", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_module_example_validates(
    module: Path, terraform: Terraform, module_copy: Callable[[Path], Path]
) -> None:
    skip_without_its_provider(module)
    example = module_copy(module) / "examples" / "basic"
    terraform.init(example)
    terraform.validate(example)


def test_modules_are_formatted(terraform: Terraform) -> None:
    terraform.fmt_check(MODULES_DIR)
