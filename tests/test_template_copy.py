"""The render fixtures' copy of the template holds only what git ships (issue 21, item 4)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support.project import REPO_ROOT
from tests.support.template_copy import copy_template


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_copy_leaves_out_ignored_files_and_keeps_work_in_progress(tmp_path: Path) -> None:
    # A checkout in miniature: the repository's own .gitignore, one committed module.
    checkout = tmp_path / "checkout"
    module = checkout / "terraform_modules" / "bucket"
    module.mkdir(parents=True)
    shutil.copy2(REPO_ROOT / ".gitignore", checkout / ".gitignore")
    (checkout / "copier.yml").write_text("project_name:\n  type: str\n")
    (module / "main.tf").write_text('resource "null_resource" "x" {}\n')
    (checkout / "template").mkdir()
    (checkout / "template" / "README.md.jinja").write_text("# {{ project_name }}\n")
    _git(checkout, "init", "-q")
    _git(checkout, "add", "-A")
    _git(checkout, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "x")
    # What a plain `terraform init` leaves in the module, and a file not yet added.
    provider = module / ".terraform" / "providers" / "registry.terraform.io" / "provider"
    provider.mkdir(parents=True)
    (provider / "terraform-provider-null").write_bytes(b"\x7fELF")
    (module / ".terraform.lock.hcl").write_text("# lock\n")
    (module / "variables.tf").write_text('variable "name" {}\n')

    dest = copy_template(checkout, tmp_path / "copy")

    copied = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert copied == [
        "copier.yml",
        "template/README.md.jinja",
        "terraform_modules/bucket/main.tf",
        "terraform_modules/bucket/variables.tf",
    ]
    assert not (dest / "terraform_modules" / "bucket" / ".terraform").exists()
