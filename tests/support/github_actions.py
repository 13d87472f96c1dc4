"""Generated GitHub workflows as the tests read them: YAML loaded (the key `on:` kept as "on"),
and a step that calls a local composite action (`uses: ./.github/actions/<name>`) replaced by
that action's steps, its `${{ inputs.x }}` turned into what the caller passes (or the input's
default). What is the cloud's lives in those actions (cloud-login, build-image); a test of a
job then sees the steps that run, whichever cloud the project has.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

LOCAL_ACTION = "./.github/actions/"
_INPUT = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")


def load_yaml(path: Path) -> dict[str, Any]:
    # PyYAML reads the bare key `on:` as True; workflows name it "on".
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), path
    if True in loaded:
        loaded["on"] = loaded.pop(True)
    return loaded


def local_actions(project: Path) -> dict[str, dict[str, Any]]:
    """The project's local composite actions by the `uses:` that calls them."""
    folder = project / ".github" / "actions"
    found = sorted(folder.glob("*/action.yml")) if folder.is_dir() else []
    return {f"{LOCAL_ACTION}{path.parent.name}": load_yaml(path) for path in found}


def _substitute(value: Any, given: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _INPUT.sub(lambda found: given[found.group(1)], value)
    if isinstance(value, dict):
        return {key: _substitute(item, given) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, given) for item in value]
    return value


def expanded_steps(project: Path, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`steps` with each local composite action's call replaced by its steps (a missing
    action, or one using an input it does not declare, fails)."""
    actions = local_actions(project)
    expanded: list[dict[str, Any]] = []
    for step in steps:
        uses = str(step.get("uses", ""))
        if not uses.startswith(LOCAL_ACTION):
            expanded.append(step)
            continue
        assert uses in actions, f"{uses}: no {uses.removeprefix('./')}/action.yml"
        action = actions[uses]
        assert action["runs"]["using"] == "composite", uses
        declared = action.get("inputs", {})
        given = {name: str(spec.get("default", "")) for name, spec in declared.items()}
        given |= {name: str(value) for name, value in step.get("with", {}).items()}
        expanded.extend(_substitute(inner, given) for inner in action["runs"]["steps"])
    return expanded


def workflows(project: Path, expand: bool = True) -> dict[str, dict[str, Any]]:
    """Every workflow of the project by file name; with `expand`, local actions inlined."""
    folder = project / ".github" / "workflows"
    loaded = {path.name: load_yaml(path) for path in sorted(folder.glob("*.yml"))}
    if expand:
        for workflow in loaded.values():
            for job in workflow["jobs"].values():
                if "steps" in job:
                    job["steps"] = expanded_steps(project, job["steps"])
    return loaded


def github_texts(project: Path) -> str:
    """The text of every workflow and local action of the project."""
    files = sorted((project / ".github").rglob("*.yml"))
    return "".join(path.read_text(encoding="utf-8") for path in files)
