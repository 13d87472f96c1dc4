"""Every module in terraform_modules/: its own `terraform test` suite, a valid example, fmt."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from dayone.checks import ALL_CHECKS, run_checks
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


# The AWS modules reach every AWS project as they are here: the template's infra/modules is a
# link to terraform_modules/aws. Their test suites run the way a project runs them, below.
GCP_MODULES = [m for m in MODULES if m.parent.name == "gcp"]
MODULE_TESTS = "terraform test (modules)"


@pytest.mark.parametrize("module", GCP_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_module_terraform_test(
    module: Path, terraform: Terraform, module_copy: Callable[[Path], Path]
) -> None:
    skip_without_its_provider(module)
    work = module_copy(module)
    terraform.init(work)
    report = terraform.test(work)
    assert "0 failed" in report and " passed" in report, report


def test_aws_modules_pass_their_terraform_tests_as_a_project_runs_them(
    rendered_project: Callable[[str], tuple[Path, dict[str, str]]],
) -> None:
    """Every AWS module's `terraform test` suite, as the check's step runs them in a project
    (`make infra-test`, in the defaults' project, whose infra/modules is terraform_modules/aws
    file for file). The step's pass is remembered in the session's check cache under its
    inputs, infra/modules/, which every AWS project shares: the README demo and the answer
    sets' checks then take it from there, so the suites run once per session, not once here
    and once there (about 55 CPU-s)."""
    project, env = rendered_project("defaults")
    shipped, here = project / "infra" / "modules", MODULES_DIR / "aws"
    listed = {
        folder: subprocess.run(
            ["git", "ls-files", "-z", "."], cwd=folder, capture_output=True, text=True, check=True
        ).stdout.split("\0")
        for folder in (shipped, here)
    }
    assert listed[shipped] == listed[here]
    for relative in filter(None, listed[here]):
        assert (shipped / relative).read_bytes() == (here / relative).read_bytes(), relative
    (result,) = run_checks(project, ALL_CHECKS, env=env, only=[MODULE_TESTS])
    assert result.passed, result.tail
    for module in (m for m in MODULES if m.parent.name == "aws"):
        assert result.cached or f"== infra/modules/{module.name}" in result.output, module.name


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
