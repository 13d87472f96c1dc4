"""Locating the external programs dayone drives."""

from __future__ import annotations

import shutil

from dayone.errors import DayoneError


def uv_executable() -> str:
    """uv from PATH, else the binary shipped by the `uv` package dayone depends on."""
    found = shutil.which("uv")
    if found:
        return found
    try:
        from uv import find_uv_bin
    except ImportError:
        raise DayoneError("uv is not installed; install it with `pip install uv`") from None
    return str(find_uv_bin())
