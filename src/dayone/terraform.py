"""The one place where dayone drives Terraform.

A thin wrapper over the terraform CLI (argument lists, no shell); see
docs/decisions/0002-terraform-runner.md for why it is not python-terraform.

Offline, the hashicorp/aws provider comes from a filesystem mirror: a directory holding
`registry.terraform.io/hashicorp/aws/...`. Its location is never hard-coded: it comes from
DAYONE_TF_MIRROR, or from the directories where Terraform itself looks for implied mirrors.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dayone.errors import DayoneError

MIRROR_ENV_VAR = "DAYONE_TF_MIRROR"
AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
# Not in this machine's mirror: GCP Terraform is validated offline against a schema
# (dayone.gcp_schema), and by terraform itself where a mirror or the registry has it.
GOOGLE_PROVIDER = "registry.terraform.io/hashicorp/google"
CLI_CONFIG_NAME = "dayone.tfrc"
STDERR_TAIL_LINES = 15


class TerraformError(DayoneError):
    """A terraform command failed; carries the command and the end of its output."""

    def __init__(self, command: Sequence[str], returncode: int | None, output_tail: str) -> None:
        self.command = list(command)
        self.returncode = returncode
        self.output_tail = output_tail
        status = "timed out" if returncode is None else f"exit {returncode}"
        detail = f": {output_tail}" if output_tail else ""
        super().__init__(f"`{' '.join(self.command)}` failed ({status}){detail}")


def implied_mirror_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The directories Terraform searches for implied local mirrors, in its own order."""
    env = os.environ if environ is None else environ
    home = Path(env.get("HOME") or Path.home())
    data_home = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    data_dirs = (env.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(":")
    candidates = [home / ".terraform.d" / "plugins", data_home / "terraform" / "plugins"]
    candidates += [Path(d) / "terraform" / "plugins" for d in data_dirs if d]
    return candidates


def holds_provider(mirror: Path, provider: str) -> bool:
    """True when `mirror` is a filesystem mirror with at least one build of `provider`."""
    provider_dir = mirror / provider
    binary = "terraform-provider-" + provider.rsplit("/", 1)[-1]
    return provider_dir.is_dir() and any(provider_dir.glob(f"*/*/{binary}*"))


def holds_aws_provider(mirror: Path) -> bool:
    """True when `mirror` is a filesystem mirror with at least one hashicorp/aws build."""
    return holds_provider(mirror, AWS_PROVIDER)


def find_mirror(environ: Mapping[str, str] | None = None) -> Path | None:
    """The provider mirror from DAYONE_TF_MIRROR, else the first implied mirror holding aws.

    A DAYONE_TF_MIRROR that does not hold the provider is an error, not a reason to look
    elsewhere: the user asked for that directory.
    """
    env = os.environ if environ is None else environ
    configured = env.get(MIRROR_ENV_VAR)
    if configured:
        mirror = Path(configured).expanduser()
        if not holds_aws_provider(mirror):
            raise DayoneError(
                f"{MIRROR_ENV_VAR}={configured} does not contain {AWS_PROVIDER}/<version>/"
                "<os_arch>/terraform-provider-aws_*; point it at the directory that holds "
                "registry.terraform.io/"
            )
        return mirror
    return next((d for d in implied_mirror_dirs(env) if holds_aws_provider(d)), None)


def require_mirror(environ: Mapping[str, str] | None = None) -> Path:
    """Like find_mirror, but a missing mirror is an error that says what to do."""
    mirror = find_mirror(environ)
    if mirror is None:
        searched = ", ".join(str(d) for d in implied_mirror_dirs(environ))
        raise DayoneError(
            f"no Terraform provider mirror with {AWS_PROVIDER}: set {MIRROR_ENV_VAR} to the "
            f"directory that contains registry.terraform.io/ (searched {searched})"
        )
    return mirror


def cli_config_text(mirror: Path, plugin_cache_dir: Path | None = None) -> str:
    """Terraform CLI configuration: aws from the mirror, every other provider direct.

    No plugin cache unless asked for: from an unpacked mirror, init links the provider
    straight to the mirror (nothing copied), while a shared cache is re-linked by every init
    and is not safe for concurrent inits (Terraform says so): parallel checks then fail with
    "there is no package ... cached in .terraform/providers".

    Google comes from the mirror too when the mirror has it (GCP Terraform is otherwise
    schema-checked offline, see dayone.gcp_schema).
    """
    mirrored = [
        p for p in (AWS_PROVIDER, GOOGLE_PROVIDER) if p == AWS_PROVIDER or holds_provider(mirror, p)
    ]
    listed = ", ".join(json.dumps(p) for p in mirrored)
    # json.dumps yields a valid HCL string literal, with quotes and backslashes escaped.
    cache = (
        f"plugin_cache_dir = {json.dumps(str(plugin_cache_dir))}\n\n" if plugin_cache_dir else ""
    )
    return (
        cache + "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(str(mirror))}\n"
        f"    include = [{listed}]\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = [{listed}]\n"
        "  }\n"
        "}\n"
    )


def write_cli_config(
    directory: Path,
    mirror: Path,
    plugin_cache_dir: Path | None = None,
    base_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Write the CLI configuration into `directory`; return the environment to run terraform in."""
    if plugin_cache_dir is not None:
        # Terraform ignores a plugin_cache_dir that does not exist.
        plugin_cache_dir.mkdir(parents=True, exist_ok=True)
        plugin_cache_dir = plugin_cache_dir.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / CLI_CONFIG_NAME
    config.write_text(cli_config_text(mirror.resolve(), plugin_cache_dir), encoding="utf-8")
    env = dict(os.environ if base_env is None else base_env)
    env["TF_CLI_CONFIG_FILE"] = str(config.resolve())
    # Plain, prompt-free output meant for logs rather than a person at a terminal.
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_INPUT"] = "0"
    return env


def _tail(text: str, lines: int = STDERR_TAIL_LINES) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(line.strip() for line in kept)


class Terraform:
    """Runs terraform commands in a given environment (see write_cli_config)."""

    def __init__(
        self,
        env: Mapping[str, str],
        executable: str | None = None,
        timeout: float | None = 900,
    ) -> None:
        found = executable or shutil.which("terraform", path=env.get("PATH"))
        if not found:
            raise DayoneError("terraform is not on PATH; install Terraform >= 1.10")
        self.executable = found
        self.env = dict(env)
        self.timeout = timeout

    def run(self, directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
        """`terraform -chdir=<directory> <args>`; raises TerraformError on a non-zero exit."""
        command = [self.executable, f"-chdir={directory}", *args]
        try:
            result = subprocess.run(
                command,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            partial = exc.stderr if isinstance(exc.stderr, str) else ""
            raise TerraformError(command, None, _tail(partial)) from None
        if result.returncode != 0:
            # fmt -check lists files and `test` reports failures on stdout, not stderr.
            raise TerraformError(command, result.returncode, _tail(result.stderr or result.stdout))
        return result

    def init(self, directory: Path, *, backend: bool = False) -> None:
        self.run(directory, "init", "-input=false", "-no-color", f"-backend={str(backend).lower()}")

    def validate(self, directory: Path) -> None:
        self.run(directory, "validate", "-no-color")

    def fmt_check(self, directory: Path) -> None:
        self.run(directory, "fmt", "-check", "-recursive", "-diff", "-no-color")

    def test(self, directory: Path) -> str:
        """Runs the module's tests/*.tftest.hcl; returns the report."""
        return self.run(directory, "test", "-no-color").stdout

    def plan(
        self,
        directory: Path,
        *,
        var_file: Path | None = None,
        out: Path | None = None,
    ) -> dict[str, Any]:
        """Plans, and returns the plan as `terraform show -json` describes it.

        The plan file goes to `out` when given, else to a temporary file that is removed.
        """
        if out is None:
            with tempfile.TemporaryDirectory(prefix="dayone-plan-") as tmp:
                return self.plan(directory, var_file=var_file, out=Path(tmp) / "plan.tfplan")
        # -chdir makes relative paths relative to `directory`; absolute ones mean what the caller meant.
        args = ["plan", "-input=false", "-no-color", f"-out={out.resolve()}"]
        if var_file is not None:
            args.append(f"-var-file={var_file.resolve()}")
        # Terraform 1.11 writes a plan file even when planning fails, so the exit code must
        # be checked before the file is shown; run() does.
        self.run(directory, *args)
        shown = self.run(directory, "show", "-json", "-no-color", str(out.resolve()))
        plan: dict[str, Any] = json.loads(shown.stdout)
        return plan


def terraform_for(
    config_dir: Path,
    plugin_cache_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Terraform:
    """A Terraform runner wired to the provider mirror; fails clearly when there is none."""
    mirror = require_mirror(environ)
    return Terraform(write_cli_config(config_dir, mirror, plugin_cache_dir, base_env=environ))
