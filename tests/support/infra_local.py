"""A rendered project's own infra/local scripts, imported by the tests that drive them."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path
from types import ModuleType


def load_apply_script(project: Path) -> ModuleType:
    """The project's infra/local/apply_destroy.py, imported under a unique name (its INFRA is
    that project's); its folder goes on sys.path for the modules it imports."""
    local = project / "infra" / "local"
    sys.path.insert(0, str(local))
    spec = importlib.util.spec_from_file_location(
        f"apply_destroy_{uuid.uuid4().hex}", local / "apply_destroy.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
