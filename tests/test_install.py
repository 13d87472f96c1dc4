"""Install as a tool: the built wheel carries the template and renders with no --template.

Slow tier: builds the wheel with uv, installs it with `uv tool install` into an empty tool
directory (nothing of this checkout on PATH), renders a default project with `dayone new`,
runs some of its checks with `dayone check`, and compares it with this checkout's render.
Prints the time of each step.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from dayone import __version__
from tests.support.equivalence import differences_for_pytest
from tests.support.project import REPO_ROOT

FORK_URL = "https://git.example.com/our-team/dayone.git"


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[str, float]:
    started = time.monotonic()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr, seconds


@pytest.mark.slow
def test_wheel_installed_as_a_tool_renders_and_checks_a_project(
    tmp_path: Path, rendered_project: Callable[[str], tuple[Path, dict[str, str]]]
) -> None:
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    tool_bin = tmp_path / "bin"
    system = [d for d in ("/usr/local/bin", "/usr/bin", "/bin") if Path(d).is_dir()]
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "DAYONE_CHECKOV"}}
    env.update(
        PATH=os.pathsep.join([str(tool_bin), *system]),
        UV_TOOL_DIR=str(tmp_path / "tools"),
        UV_TOOL_BIN_DIR=str(tool_bin),
        DAYONE_TEMPLATE_URL=FORK_URL,
        TMPDIR=str(tmp_path / "tmp"),
    )
    (tmp_path / "tmp").mkdir()
    times = {}

    _out, times["wheel build"] = _run(
        [uv, "build", "--wheel", "-o", str(tmp_path / "dist"), str(REPO_ROOT)], REPO_ROOT, env
    )
    (wheel,) = (tmp_path / "dist").glob("dayone-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "dayone/_template/copier.yml" in names
    modules = "dayone/_template/template/{% if cloud == 'aws' %}infra{% endif %}/modules/"
    assert any(n.startswith(modules + "state_backend/") for n in names)
    assert not [n for n in names if "/.terraform/" in n or n.endswith(".tfstate")]

    _out, times["uv tool install"] = _run([uv, "tool", "install", str(wheel)], tmp_path, env)
    assert (tool_bin / "dayone").exists()

    # A name no template text holds (the modules' examples say churn-model): the comparison
    # below replaces the project's names.
    project = tmp_path / "installed-project"
    out, times["dayone new"] = _run(["dayone", "new", str(project), "--defaults"], tmp_path, env)
    assert f"template v{__version__}" in out
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["_src_path"] == FORK_URL
    assert answers["_commit"] == f"v{__version__}"
    assert (project / "infra" / "modules" / "state_backend" / "main.tf").is_file()
    # Rendered from a tagged release repository, so what derives from _commit is right too...
    assert (project / "infra" / "VERSION").read_text(encoding="utf-8") == f"v{__version__}\n"
    # ...and that throwaway repository is gone.
    assert not list((tmp_path / "tmp").glob("dayone-release-*"))

    # The installed tool's check runs, and the project installs from its lock...
    out, times["dayone check"] = _run(
        ["dayone", "check", str(project), "--only", "uv sync", "--only", "pre-commit"],
        tmp_path,
        env,
    )
    assert "All 2 checks passed" in out
    # ...and it is, but for names, the project this checkout renders with the same answers,
    # whose own check runs its tests (tests/test_generated_checks.py, the README's demo): the
    # wheel's template left nothing out, so its tests need not run a second time here.
    defaults, _ = rendered_project("defaults")
    differing = differences_for_pytest(defaults, project)
    assert differing == {}, f"the wheel's render differs from this checkout's: {differing}"
    print("install as a tool: " + ", ".join(f"{k} {v:.1f}s" for k, v in times.items()))
