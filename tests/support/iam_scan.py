"""The template's IAM scan (infra/local/iam_scan.py), imported once for the tests that call
its functions, and the cloudsplaining command the rendered Makefile pins."""

from __future__ import annotations

import importlib.util
import re
import shlex
import sys
from collections.abc import Mapping
from types import ModuleType

from dayone.tools import project_environment, uv_executable
from tests.support.project import REPO_ROOT

LOCAL = REPO_ROOT / "template" / "{% if cloud == 'aws' %}infra{% endif %}" / "local"
MAKEFILE = REPO_ROOT / "template" / "Makefile.jinja"


def _load() -> ModuleType:
    name = "template_iam_scan"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, LOCAL / "iam_scan.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


iam_scan = _load()


def cloudsplaining_pin() -> str:
    """`cloudsplaining==<version>`, as the template's Makefile pins it."""
    found = re.search(r"--from (cloudsplaining==\S+)", MAKEFILE.read_text(encoding="utf-8"))
    assert found, "the template's Makefile pins no cloudsplaining"
    return found.group(1)


def cloudsplaining_python(env: Mapping[str, str] | None = None) -> list[str]:
    """What the rendered `make infra-iam-scan` runs cloudsplaining's Python with."""
    env = project_environment() if env is None else env
    command = f"{shlex.quote(uv_executable(env))} tool run --from {cloudsplaining_pin()} python"
    return list(iam_scan.cloudsplaining_python(env, command))
