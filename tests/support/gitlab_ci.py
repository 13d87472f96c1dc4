"""A generated project's GitLab pipeline as GitLab reads it: `.gitlab-ci.yml` with its
`include: local` files merged in, and jobs with what they `extends` merged in.

GitLab's rules, as far as the generated files use them: included files are merged first and
the including file on top; `extends` merges its templates in order, the job itself last
(nested `extends` first). Both merges are deep for mappings; a list (script, rules, needs)
is replaced whole, never concatenated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAIN_FILE = ".gitlab-ci.yml"


def load_yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), path
    return loaded


def deep_merge(base: Any, override: Any) -> Any:
    """`override` on top of `base`: mappings merged key by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override


def included_files(project: Path) -> list[Path]:
    """The files `.gitlab-ci.yml` includes (local includes only: the generated files use no other)."""
    main = load_yaml(project / MAIN_FILE)
    entries = main.get("include", [])
    entries = entries if isinstance(entries, list) else [entries]
    files = []
    for entry in entries:
        local = entry if isinstance(entry, str) else entry["local"]
        assert isinstance(local, str), entry
        files.append(project / local.lstrip("/"))
    return files


def ci_files(project: Path) -> list[Path]:
    """Every file of the project's pipeline: `.gitlab-ci.yml` and what it includes."""
    return [project / MAIN_FILE, *included_files(project)]


def load_pipeline(project: Path) -> dict[str, Any]:
    """The pipeline's configuration, its includes merged in (the `include` key removed)."""
    merged: dict[str, Any] = {}
    for path in included_files(project):
        merged = deep_merge(merged, load_yaml(path))
    main = load_yaml(project / MAIN_FILE)
    main.pop("include", None)
    return deep_merge(merged, main)


def resolved(ci: dict[str, Any], name: str) -> dict[str, Any]:
    """Job `name` with its `extends` merged in, as GitLab runs it (`extends` itself kept)."""
    job = ci[name]
    parents = job.get("extends", [])
    merged: dict[str, Any] = {}
    for parent in [parents] if isinstance(parents, str) else parents:
        merged = deep_merge(merged, resolved(ci, parent))
    return deep_merge(merged, job)


def jobs(ci: dict[str, Any]) -> list[str]:
    """The names of the pipeline's jobs (not hidden, with a script after `extends`)."""
    return [
        name
        for name, job in ci.items()
        if not name.startswith(".") and isinstance(job, dict) and "script" in resolved(ci, name)
    ]
