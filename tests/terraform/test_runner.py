"""dayone.terraform: mirror discovery, CLI config, errors, and a real offline plan."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dayone.errors import DayoneError
from dayone.terraform import (
    AWS_PROVIDER,
    MIRROR_ENV_VAR,
    Terraform,
    TerraformError,
    find_mirror,
    require_mirror,
    write_cli_config,
)
from tests.terraform.conftest import MODULES_DIR


def _fake_mirror(root: Path) -> Path:
    binary = root / AWS_PROVIDER / "5.100.0" / "linux_amd64" / "terraform-provider-aws_v5.100.0_x5"
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"")
    return root


def test_mirror_from_env_var(tmp_path: Path) -> None:
    mirror = _fake_mirror(tmp_path / "mirror")
    env = {MIRROR_ENV_VAR: str(mirror), "HOME": str(tmp_path / "home")}
    assert find_mirror(env) == mirror


def test_env_var_without_provider_is_an_error(tmp_path: Path) -> None:
    env = {MIRROR_ENV_VAR: str(tmp_path), "HOME": str(tmp_path / "home")}
    with pytest.raises(DayoneError, match=MIRROR_ENV_VAR):
        find_mirror(env)


def test_mirror_discovered_in_implied_dirs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    data_home = tmp_path / "data"
    mirror = _fake_mirror(data_home / "terraform" / "plugins")
    env = {
        "HOME": str(home),
        "XDG_DATA_HOME": str(data_home),
        "XDG_DATA_DIRS": str(tmp_path / "none"),
    }
    assert find_mirror(env) == mirror


def test_no_mirror_says_what_to_do(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_DATA_DIRS": str(tmp_path / "none")}
    assert find_mirror(env) is None
    with pytest.raises(DayoneError, match=f"set {MIRROR_ENV_VAR}"):
        require_mirror(env)


def test_cli_config(tmp_path: Path) -> None:
    mirror = _fake_mirror(tmp_path / "mir ror")
    cache = tmp_path / "cache"
    env = write_cli_config(tmp_path / "cfg", mirror, cache, base_env={"PATH": "/bin"})
    text = Path(env["TF_CLI_CONFIG_FILE"]).read_text()
    assert f'plugin_cache_dir = "{cache.resolve()}"' in text
    assert f'path    = "{mirror.resolve()}"' in text
    assert text.count(f'"{AWS_PROVIDER}"') == 2  # include in the mirror, exclude from direct
    assert cache.is_dir()
    assert env["PATH"] == "/bin"
    # By default no cache: init links the provider from the mirror (see cli_config_text).
    plain = write_cli_config(tmp_path / "plain", mirror, base_env={})
    assert "plugin_cache_dir" not in Path(plain["TF_CLI_CONFIG_FILE"]).read_text()


@pytest.mark.terraform
def test_failure_carries_command_and_output(terraform: Terraform, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "nope" {\n')
    with pytest.raises(TerraformError) as caught:
        terraform.validate(tmp_path)
    assert caught.value.command[-2:] == ["validate", "-no-color"]
    assert caught.value.returncode == 1
    assert "Unclosed configuration block" in str(caught.value)


@pytest.mark.slow
@pytest.mark.terraform
def test_offline_plan_returns_show_json(
    terraform: Terraform, module_copy: Callable[[Path], Path], tmp_path: Path
) -> None:
    # Offline, the provider plans with fake keys only when told not to call STS or IMDS.
    # Data sources that call AWS (aws_caller_identity) still fail; moto_server covers those.
    example = module_copy(MODULES_DIR / "aws" / "state_backend") / "examples" / "basic"
    (example / "offline_override.tf").write_text(
        'provider "aws" {\n'
        '  region                      = "eu-west-1"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n"
        "  skip_requesting_account_id  = true\n"
        "}\n"
    )
    offline = Terraform(
        {**terraform.env, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    )
    offline.init(example)
    var_file = tmp_path / "vars.tfvars.json"
    var_file.write_text("{}")
    plan = offline.plan(example, var_file=var_file)
    changes = {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}
    assert changes["module.state_backend.aws_s3_bucket.this"] == ["create"]
    assert (
        plan["planned_values"]["outputs"]["backend_config_hcl"]["value"].count("use_lockfile") == 1
    )
    assert not any(example.glob("*.tfplan")), "the default plan file must not be left behind"
