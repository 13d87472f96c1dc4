"""Benchmark: time and disk to init and validate dev, staging and prod of a default project.

    .venv/bin/python scripts/benchmark_infra.py

Renders a default project, then for each environment runs `terraform init -backend=false`
and `terraform validate` through dayone's runner, with the provider from the local mirror
(DAYONE_TF_MIRROR or discovery) and a shared plugin cache. Prints seconds per step and the
disk used by each environment's .terraform/ and by the plugin cache: with the cache, the
675 MB provider is linked, not copied, into each environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dayone.checks.apply import copy_infra
from dayone.terraform import Terraform, require_mirror, write_cli_config

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ("dev", "staging", "prod")


def disk_usage(path: Path) -> int:
    """Bytes of the files under `path`, counting hard-linked and symlinked data once."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            stat = os.lstat(Path(dirpath, name))
            if (stat.st_dev, stat.st_ino) not in seen:
                seen.add((stat.st_dev, stat.st_ino))
                total += stat.st_blocks * 512
    return total


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="dayone-bench-infra-") as tmp:
        project = Path(tmp, "bench-infra")
        subprocess.run(
            [str(Path(sys.executable).with_name("dayone")), "new", str(project), "--defaults",
             "--template", str(ROOT), "--vcs-ref", "HEAD"],
            check=True, capture_output=True,
        )  # fmt: skip
        cache = Path(tmp, "plugin-cache")
        terraform = Terraform(write_cli_config(Path(tmp, "tfrc"), require_mirror(), cache))
        infra = copy_infra(project / "infra", Path(tmp, "infra"))
        print(f"{'environment':<12} {'init s':>7} {'validate s':>11} {'.terraform KB':>14}")
        total = 0.0
        for env in ENVIRONMENTS:
            env_dir = infra / "envs" / env
            started = time.perf_counter()
            terraform.init(env_dir)
            init_s = time.perf_counter() - started
            started = time.perf_counter()
            terraform.validate(env_dir)
            validate_s = time.perf_counter() - started
            total += init_s + validate_s
            size = disk_usage(env_dir / ".terraform") / 1e3
            print(f"{env:<12} {init_s:7.2f} {validate_s:11.2f} {size:14.2f}")
        print(f"all three environments: {total:.2f} s")
        print(f"shared plugin cache: {disk_usage(cache) / 1e3:.1f} KB (links to the mirror)")
        print(f"the provider in the mirror: {disk_usage(require_mirror()) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
