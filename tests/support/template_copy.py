"""A copy of the template as a plain folder, holding only what git would ship.

A checkout collects files git ignores (`.terraform/` from a plain `terraform init` in a
module, caches, editor files); copying them into the template the tests render makes the
rendered projects differ from what a user gets. Tracked files are copied, and untracked files
git does not ignore (work in progress, not yet added), nothing else.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# What copier reads: its questions and the folders the template takes files from.
TEMPLATE_PATHS = ("copier.yml", "template", "terraform_modules")


def shipped_files(root: Path, paths: tuple[str, ...] = TEMPLATE_PATHS) -> list[str]:
    """Paths under `root` (relative) git tracks or would track: `git ls-files` with untracked
    files not ignored, minus tracked files deleted from the work tree."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", *paths],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    names = {name for name in listed.split("\0") if name}
    return sorted(name for name in names if (root / name).is_file() or (root / name).is_symlink())


def copy_template(source: Path, dest: Path, paths: tuple[str, ...] = TEMPLATE_PATHS) -> Path:
    """Copy the shipped files of `paths` from the checkout `source` into `dest`."""
    for name in shipped_files(source, paths):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, target, follow_symlinks=False)
    return dest
