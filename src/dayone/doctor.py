"""`dayone doctor`: is this machine ready for dayone and the projects it renders?

Each finding names one piece (git, uv, Terraform, the aws provider, a check tool, the local
AWS emulator), what was found, and when something is missing the one command that fixes it.
The lookups are the ones `dayone new` and `dayone check` use, so what doctor calls ok is what
they will find.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from dayone.errors import DayoneError
from dayone.terraform import (
    AWS_PROVIDER,
    MIRROR_ENV_VAR,
    find_mirror,
    holds_aws_provider,
    implied_mirror_dirs,
)

MIN_TERRAFORM = Version("1.10")
# Top-level directories not worth searching for a provider mirror.
_SKIPPED_ROOTS = {"proc", "sys", "dev", "run", "tmp", "var", "boot", "lost+found"}


@dataclass(frozen=True)
class Finding:
    """One piece: ok (True), missing (False) or unknown (None, e.g. needs the network)."""

    name: str
    ok: bool | None
    detail: str
    fix: str = ""
    required: bool = True

    @property
    def status(self) -> str:
        if self.ok:
            return "ok"
        if self.ok is None:
            return "unknown"
        return "MISSING" if self.required else "warn"


@dataclass(frozen=True)
class Machine:
    """What doctor looks at: the environment, and the directory of dayone's interpreter
    (tools installed with dayone sit there, as dayone.tools.find_tool assumes)."""

    env: Mapping[str, str]
    beside: Path | None
    search_root: Path = Path("/")

    @classmethod
    def current(cls) -> Machine:
        return cls(dict(os.environ), Path(sys.executable).parent)

    def which(self, name: str) -> str | None:
        if self.beside is not None and (self.beside / name).exists():
            return str(self.beside / name)
        return shutil.which(name, path=self.env.get("PATH", ""))

    def on_path(self, name: str) -> str | None:
        return shutil.which(name, path=self.env.get("PATH", ""))


def _run(argv: list[str], env: Mapping[str, str]) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=dict(env), timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _uv_installer(machine: Machine) -> str:
    """How to spell uv in a fix command: from PATH, else the binary shipped with dayone."""
    if machine.on_path("uv"):
        return "uv"
    bundled = machine.which("uv")
    if bundled:
        return bundled
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        return "pipx run uv"


def check_git(machine: Machine) -> list[Finding]:
    git = machine.which("git")
    if git is None:
        fix = "brew install git" if sys.platform == "darwin" else "sudo apt-get install -y git"
        return [Finding("git", False, "not found", fix)]
    version = (_run([git, "--version"], machine.env) or "git").removeprefix("git version ")
    found = [Finding("git", True, version)]
    missing = [
        key for key in ("user.name", "user.email") if not _run([git, "config", key], machine.env)
    ]
    if missing:
        fixes = {"user.name": 'git config --global user.name "Your Name"'}
        fixes["user.email"] = 'git config --global user.email "you@example.com"'
        found.append(
            Finding(
                "git identity",
                False,
                f"{' and '.join(missing)} not set; dayone's first commit uses the answers' "
                "author, your later commits need your own",
                " && ".join(fixes[key] for key in missing),
                required=False,
            )
        )
    else:
        found.append(Finding("git identity", True, "user.name and user.email set"))
    return found


def check_uv(machine: Machine) -> Finding:
    found = machine.on_path("uv")
    if found:
        return Finding("uv on PATH", True, _run([found, "--version"], machine.env) or found)
    installer = _uv_installer(machine)
    return Finding(
        "uv on PATH",
        False,
        "not on PATH; the generated project's `make setup` runs it",
        f"{installer} tool install uv && {installer} tool update-shell",
    )


def check_dayone_on_path(machine: Machine) -> Finding:
    found = machine.on_path("dayone")
    if found:
        return Finding("dayone on PATH", True, found, required=False)
    activate = machine.beside / "activate" if machine.beside is not None else None
    # A virtual environment, e.g. a clone's .venv made by scripts/dev.py: on PATH, not
    # activated (uv warns in every generated project about an active virtualenv not its own).
    fix = (
        f'export PATH="{machine.beside}:$PATH"'
        if machine.beside is not None and activate is not None and activate.is_file()
        else f"{_uv_installer(machine)} tool install dayone"
    )
    return Finding(
        "dayone on PATH", False, "not on PATH; you ran it by its full path", fix, required=False
    )


def terraform_version(machine: Machine) -> tuple[str | None, Version | None]:
    terraform = machine.which("terraform")
    if terraform is None:
        return None, None
    raw = _run([terraform, "version", "-json"], machine.env)
    try:
        return terraform, Version(json.loads(raw or "{}").get("terraform_version", ""))
    except (InvalidVersion, ValueError):
        return terraform, None


def check_terraform(machine: Machine) -> Finding:
    fix = (
        "brew install hashicorp/tap/terraform"
        if sys.platform == "darwin"
        else "sudo apt-get install -y terraform  # from HashiCorp's apt repository, "
        "https://developer.hashicorp.com/terraform/install"
    )
    terraform, version = terraform_version(machine)
    if terraform is None:
        return Finding("terraform", False, "not found; projects with cloud = aws need it", fix)
    if version is None or version < MIN_TERRAFORM:
        return Finding(
            "terraform", False, f"{version or 'unknown version'} at {terraform}; need >= 1.10", fix
        )
    return Finding("terraform", True, f"{version}")


def _cli_config_mirrors(config: Path) -> list[Path]:
    """The filesystem_mirror paths of a Terraform CLI configuration file."""
    try:
        text = config.read_text(encoding="utf-8")
    except OSError:
        return []
    return [
        Path(m).expanduser()
        for m in re.findall(r'filesystem_mirror\s*\{[^}]*?path\s*=\s*"([^"]+)"', text, re.S)
    ]


def discover_mirror(root: Path, max_depth: int = 4) -> Path | None:
    """A directory holding registry.terraform.io/hashicorp/aws, searched a few levels deep
    below `root` (the same search as scripts/dev.py, for machines with a shared mirror)."""
    frontier = [
        entry
        for entry in sorted(root.iterdir())
        if entry.is_dir() and not entry.is_symlink() and entry.name not in _SKIPPED_ROOTS
    ]
    for _depth in range(max_depth):
        next_frontier: list[Path] = []
        for directory in frontier:
            if holds_aws_provider(directory):
                return directory
            try:
                next_frontier += [
                    d
                    for d in sorted(directory.iterdir())
                    if d.is_dir() and not d.is_symlink() and not d.name.startswith(".")
                ]
            except OSError:
                continue
        frontier = next_frontier
    return None


def check_aws_provider(machine: Machine) -> Finding:
    name = "aws provider"
    try:
        mirror = find_mirror(machine.env)
    except DayoneError as error:
        return Finding(name, False, str(error), f"unset {MIRROR_ENV_VAR}")
    if mirror is not None:
        how = f"{MIRROR_ENV_VAR}" if machine.env.get(MIRROR_ENV_VAR) else "implied mirror"
        return Finding(name, True, f"from {mirror} ({how})")
    user_config = machine.env.get("TF_CLI_CONFIG_FILE") or str(
        Path(machine.env.get("HOME") or Path.home()) / ".terraformrc"
    )
    for path in _cli_config_mirrors(Path(user_config)):
        if holds_aws_provider(path):
            return Finding(name, True, f"from {path} (filesystem_mirror in {user_config})")
    discovered = discover_mirror(machine.search_root)
    if discovered is not None:
        return Finding(
            name,
            False,
            f"not configured, but this machine has a mirror of {AWS_PROVIDER}",
            f"export {MIRROR_ENV_VAR}={discovered}",
        )
    searched = ", ".join(str(d) for d in implied_mirror_dirs(machine.env))
    return Finding(
        name,
        None,
        f"no local mirror (searched {MIRROR_ENV_VAR}, {searched}, TF_CLI_CONFIG_FILE); "
        "online, terraform downloads it from registry.terraform.io (not checked)",
        f"offline: export {MIRROR_ENV_VAR}=<directory holding registry.terraform.io/>",
        required=False,
    )


def _tool(machine: Machine, name: str, program: str, package: str, why: str) -> Finding:
    found = machine.which(program)
    if found:
        return Finding(name, True, found)
    return Finding(
        name,
        False,
        f"{program} not found; {why}",
        f"{_uv_installer(machine)} tool install {package}",
    )


def pinned_checkers() -> list[str]:
    """The checkers `make check` and `dayone check` run with `uv tool run` at pinned
    versions: read from the template's Makefile (their one definition)."""
    from dayone.template_source import _source_checkout, packaged_template

    template = packaged_template() or _source_checkout()
    pins: list[str] = []
    if template is not None:
        makefile = (template / "template" / "Makefile.jinja").read_text(encoding="utf-8")
        pins = re.findall(r"--from (\S+==\S+)", makefile)
    return pins


def checker_fix(machine: Machine, requirement: str) -> str:
    """The command that puts a pinned checker into uv's cache (run once, online)."""
    return f"{_uv_installer(machine)} tool run --from {requirement} python -c pass"


def _cached_checker(machine: Machine, requirement: str) -> Finding:
    """Ready offline when uv's cache can make its environment without the network."""
    uv = machine.on_path("uv") or machine.which("uv")
    name = requirement.split("==")[0]
    fix = checker_fix(machine, requirement)
    if uv is None:
        # uv itself is the required piece (reported above); this says what hangs on it.
        return Finding(
            name, False, "uv not found: checkers run through `uv tool run`", fix, required=False
        )
    argv = [uv, "tool", "run", "--offline", "--from", requirement, "python", "-c", "pass"]
    if _run(argv, machine.env) is not None:
        return Finding(name, True, f"{requirement} in uv's cache (uv tool run)")
    return Finding(
        name,
        None,
        f"{requirement} is not in uv's cache: uv fetches it from PyPI at first use "
        "(offline, that step fails; run the fix once online)",
        fix,
        required=False,
    )


def check_tools(machine: Machine) -> list[Finding]:
    return [
        *(_cached_checker(machine, requirement) for requirement in pinned_checkers()),
        _tool(
            machine,
            "moto (AWS emulator)",
            "moto_server",
            "'moto[server]'",
            "the IAM scan plans environments on it",
        ),
    ]


def diagnose(machine: Machine | None = None) -> list[Finding]:
    machine = machine or Machine.current()
    return [
        *check_git(machine),
        check_uv(machine),
        check_dayone_on_path(machine),
        check_terraform(machine),
        check_aws_provider(machine),
        *check_tools(machine),
    ]


def missing_required(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.ok is False and f.required]
