"""Locating the external programs dayone drives, and the environment they run in."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from dayone.errors import DayoneError


def find_tool(
    name: str,
    env: Mapping[str, str],
    *,
    override_var: str | None = None,
    install_hint: str = "install dayone with its checks (pip install 'dayone[check]')",
) -> str:
    """A program named by `override_var`, else installed with dayone (beside its
    interpreter), else from PATH; a DayoneError saying how to install it otherwise."""
    if override_var and env.get(override_var):
        return env[override_var]
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name, path=env.get("PATH"))
    if not found:
        hint = (
            f"{install_hint}, or set {override_var} to its path" if override_var else install_hint
        )
        raise DayoneError(f"{name} not found: {hint} (`dayone doctor` lists every fix)")
    return found


def uv_executable(env: Mapping[str, str] | None = None) -> str:
    """uv from PATH or beside dayone, else the binary shipped by the `uv` package."""
    try:
        return find_tool("uv", os.environ if env is None else env, install_hint="pip install uv")
    except DayoneError:
        try:
            from uv import find_uv_bin
        except ImportError:
            raise DayoneError("uv is not installed; install it with `pip install uv`") from None
        return str(find_uv_bin())


def project_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a generated project's tools: dayone's own virtualenv must not
    leak into the project's, and uv uses the machine's interpreters, never downloads."""
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    env.update(extra or {})
    # The project's Makefile runs `uv`: the one dayone found (beside it, or the binary of the
    # `uv` package) must be on PATH even when the user's PATH has none.
    if shutil.which("uv", path=env.get("PATH")) is None:
        uv_dir = str(Path(uv_executable(env)).parent)
        env["PATH"] = os.pathsep.join(filter(None, [uv_dir, env.get("PATH")]))
    return env
