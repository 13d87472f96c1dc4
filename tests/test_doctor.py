"""`dayone doctor`: each missing piece is named with the one command that fixes it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dayone.cli import app
from dayone.doctor import Machine, diagnose, missing_required
from dayone.errors import DayoneError
from dayone.tools import find_tool

runner = CliRunner()
TOOLS = ("git", "uv", "terraform", "moto_server")


def _bin_with(tmp_path: Path, names: tuple[str, ...]) -> Path:
    """A directory holding only `names`, linked to the real programs where they exist."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in names:
        real = shutil.which(name) or str(Path(sys.executable).with_name(name))
        if Path(real).exists():
            (bin_dir / name).symlink_to(real)
    return bin_dir


def _machine(tmp_path: Path, names: tuple[str, ...], **env: str) -> Machine:
    bin_dir = _bin_with(tmp_path, names)
    empty_root = tmp_path / "root"
    empty_root.mkdir()
    base = {"PATH": str(bin_dir), "HOME": str(tmp_path / "home"), **env}
    return Machine(base, beside=None, search_root=empty_root)


def _by_name(machine: Machine) -> dict[str, object]:
    return {f.name: f for f in diagnose(machine)}


def test_nothing_installed_names_every_required_piece_with_a_fix(tmp_path: Path) -> None:
    findings = diagnose(_machine(tmp_path, ()))
    missing = {f.name for f in missing_required(findings)}
    assert missing == {
        "git",
        "uv on PATH",
        "terraform",
        "moto (AWS emulator)",
    }
    for finding in findings:
        if finding.ok is not True:
            assert finding.fix, finding
            assert "\n" not in finding.fix, finding
    fixes = {f.name: f.fix for f in findings}
    installer = fixes["uv on PATH"].split()[0]
    assert fixes["uv on PATH"] == f"{installer} tool install uv && {installer} tool update-shell"
    assert fixes["moto (AWS emulator)"].endswith("tool install 'moto[server]'")


def test_pinned_checkers_are_the_makefiles_and_found_in_uvs_cache(tmp_path: Path) -> None:
    """The checkers come from uv's cache at the template Makefile's pins; with no uv, each
    is missing with the command that fetches it."""
    from dayone.doctor import pinned_checkers
    from tests.support.project import REPO_ROOT

    makefile = (REPO_ROOT / "template" / "Makefile.jinja").read_text(encoding="utf-8")
    pins = pinned_checkers()
    assert {"checkov", "zizmor", "check-jsonschema", "cloudsplaining"} == {
        p.split("==")[0] for p in pins
    }
    for pin in pins[:-1]:
        assert f"--from {pin} " in makefile
    none = _by_name(_machine(tmp_path, ()))
    assert none["checkov"].ok is False  # type: ignore[attr-defined]
    assert "tool run --from checkov==" in none["checkov"].fix  # type: ignore[attr-defined]
    # The suite's own runs filled uv's cache: found offline, as `make infra-scan` finds it.
    real_cache = subprocess.run(
        [str(Path(sys.executable).with_name("uv")), "cache", "dir"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    env = {"PATH": os.environ["PATH"], "HOME": str(Path.home()), "UV_CACHE_DIR": real_cache}
    found = _by_name(Machine(env, beside=Path(sys.executable).parent, search_root=tmp_path))
    assert found["cloudsplaining"].ok is True, found["cloudsplaining"]  # type: ignore[attr-defined]


def test_a_mirror_on_the_machine_is_offered_as_the_export_line(tmp_path: Path) -> None:
    machine = _machine(tmp_path, ("git",))
    mirror = machine.search_root / "opt" / "tf-mirror"
    build = mirror / "registry.terraform.io/hashicorp/aws/6.0.0/linux_amd64"
    build.mkdir(parents=True)
    (build / "terraform-provider-aws_v6.0.0").write_text("")
    provider = _by_name(machine)["aws provider"]
    assert provider.ok is False  # type: ignore[attr-defined]
    assert provider.fix == f"export DAYONE_TF_MIRROR={mirror}"  # type: ignore[attr-defined]

    configured = Machine(
        {**machine.env, "DAYONE_TF_MIRROR": str(mirror)}, None, machine.search_root
    )
    assert _by_name(configured)["aws provider"].ok is True  # type: ignore[attr-defined]


def test_the_users_terraform_cli_config_mirror_counts(tmp_path: Path) -> None:
    mirror = tmp_path / "user-mirror"
    build = mirror / "registry.terraform.io/hashicorp/aws/6.0.0/linux_amd64"
    build.mkdir(parents=True)
    (build / "terraform-provider-aws_v6.0.0").write_text("")
    config = tmp_path / "user.tfrc"
    config.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n'
    )
    machine = _machine(tmp_path, (), TF_CLI_CONFIG_FILE=str(config))
    provider = _by_name(machine)["aws provider"]
    assert provider.ok is True, provider  # type: ignore[attr-defined]
    assert str(config) in provider.detail  # type: ignore[attr-defined]


def test_no_mirror_anywhere_is_unknown_not_missing(tmp_path: Path) -> None:
    provider = _by_name(_machine(tmp_path, ()))["aws provider"]
    assert provider.ok is None  # type: ignore[attr-defined]
    assert provider.status == "unknown"  # type: ignore[attr-defined]


def test_git_identity_missing_is_a_warning_with_the_config_commands(tmp_path: Path) -> None:
    machine = _machine(tmp_path, ("git",), GIT_CONFIG_GLOBAL=str(tmp_path / "none"))
    identity = _by_name(machine)["git identity"]
    assert identity.status == "warn"  # type: ignore[attr-defined]
    assert 'git config --global user.email "you@example.com"' in identity.fix  # type: ignore[attr-defined]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not installed")
def test_terraform_version_is_read(tmp_path: Path) -> None:
    terraform = _by_name(_machine(tmp_path, ("terraform",)))["terraform"]
    assert terraform.ok is True, terraform  # type: ignore[attr-defined]


def test_command_prints_fixes_and_exits_1_when_required_is_missing(tmp_path: Path) -> None:
    env = {"PATH": str(_bin_with(tmp_path, ()))}
    result = runner.invoke(app, ["doctor"], env=env)
    assert result.exit_code == 1, result.output
    assert "MISSING  uv on PATH" in result.stdout
    assert "fix: " in result.stdout
    assert "required piece(s) missing" in result.stderr


def test_missing_tool_error_points_to_doctor() -> None:
    with pytest.raises(DayoneError, match=r"`dayone doctor` lists every fix"):
        find_tool("no-such-tool-xyz", {"PATH": ""})
