"""A failed check step whose cause `dayone doctor` knows ends with doctor's one-line fix.

Offline, two causes account for most failures of a project's checks on a new machine, and
their output never names the fix: Terraform cannot reach registry.terraform.io for a
provider because no provider mirror is configured, and uv cannot fetch a pinned checker it
has never cached. Both are recognised from the step's output; the fix printed is the one
doctor prints for that piece (dayone.doctor), so the two never disagree.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path

from dayone.doctor import Machine, check_aws_provider, checker_fix
from dayone.terraform import MIRROR_ENV_VAR

# Terraform's words when it cannot reach the registry (its box-drawn errors wrap anywhere).
REGISTRY_UNREACHABLE = re.compile(r"could not connect to registry\.terraform\.io", re.IGNORECASE)
# uv's words when a pinned checker (`uv tool run --from X==v`) is neither cached nor reachable.
UNREACHABLE_INDEX = re.compile(
    r"network was disabled|Failed to fetch|error sending request|dns error", re.IGNORECASE
)
PINNED_FROM = re.compile(r"--from\s+([A-Za-z0-9][A-Za-z0-9._-]*==[0-9][^\s'\"]*)")
PINNED_ANY = re.compile(r"\b([A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+!-]*[0-9A-Za-z])")

_provider_fixes: dict[tuple[tuple[str, str], ...], str] = {}


def _flattened(output: str) -> str:
    """The output on one line, without the box drawing Terraform wraps its errors in."""
    return " ".join(output.replace("│", " ").replace("╷", " ").replace("╵", " ").split())


def _machine(env: Mapping[str, str]) -> Machine:
    return Machine(dict(env), Path(sys.executable).parent)


def provider_hint(env: Mapping[str, str]) -> str:
    """Doctor's finding for the aws provider, as one line naming its fix."""
    key = tuple(sorted(env.items()))
    if key not in _provider_fixes:  # doctor may search the disk for a mirror: once per run
        finding = check_aws_provider(_machine(env))
        if finding.ok:
            why = (
                f"the provider mirror ({finding.detail}) holds only some providers; the others "
                "come from the registry, online"
            )
        else:
            why = f"no provider mirror is configured ({MIRROR_ENV_VAR} is unset)"
        fix = f"; its fix: {finding.fix}" if finding.fix else ""
        _provider_fixes[key] = (
            f"dayone: Terraform could not reach registry.terraform.io and {why}. "
            f"`dayone doctor` checks this machine{fix}"
        )
    return _provider_fixes[key]


def checker_hint(output: str, env: Mapping[str, str]) -> str:
    found = PINNED_FROM.search(output) or PINNED_ANY.search(output)
    fix = (
        f"; `dayone doctor`'s fix (run it once online): {checker_fix(_machine(env), found[1])}"
        if found
        else "; `dayone doctor` lists each checker with the command that caches it (run it "
        "once online)"
    )
    pinned = found[1] if found else "a pinned checker"
    return f"dayone: {pinned} is not in uv's cache and PyPI cannot be reached{fix}"


def known_fix(output: str, env: Mapping[str, str]) -> str | None:
    """The line to add to a failed step's output when doctor knows its cause, else None."""
    if REGISTRY_UNREACHABLE.search(_flattened(output)):
        return provider_hint(env)
    if UNREACHABLE_INDEX.search(output):
        return checker_hint(output, env)
    return None


def with_known_fix(output: str, env: Mapping[str, str]) -> str:
    hint = known_fix(output, env)
    return f"{output}\n{hint}" if hint else output
