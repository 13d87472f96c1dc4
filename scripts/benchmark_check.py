"""Benchmark: `dayone check` on a default project, cold and after a one-line change.

    python3 scripts/dev.py demo   # once, so uv, pre-commit and Terraform caches are warm
    .venv/bin/python scripts/benchmark_check.py [--all-envs]

Renders a default project and prints, with each step's time: a cold run (empty check cache;
tool caches such as uv's and pre-commit's are warm), then a run right after changing one
line in src/, when only the steps that read src/ run again. The emulated apply prints its
seconds per environment. The load average is printed: on a busy 2-core machine every
number here grows.

The cold run cannot go below the emulated apply of dev, about 85 s even on a quiet machine:
the aws provider (5.100) waits about 55 s on every new bucket lifecycle configuration before
it reports it created (measured on moto: ten reads 5 s apart after 10 s, the same for every
rule shape tried; a waiter for S3's eventual consistency, not the emulator's doing), and
bootstrap, plan, destroy and the bootstrap's destroy add about 30 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dayone.checks import CheckOptions, CheckResult, run_checks

ROOT = Path(__file__).resolve().parents[1]


def _timed(project: Path, options: CheckOptions) -> tuple[float, list[CheckResult]]:
    started = time.perf_counter()
    results = run_checks(project, options=options)
    failed = [r.name for r in results if not r.passed]
    if failed:
        sys.exit(f"checks failed, the timing would mean nothing: {failed}")
    return time.perf_counter() - started, results


def _report(title: str, seconds: float, results: list[CheckResult]) -> None:
    print(f"\n{title}: {seconds:.1f}s wall (load average {os.getloadavg()[0]:.2f})")
    for result in results:
        note = "  (cached)" if result.cached else ""
        print(f"  {result.seconds:7.1f}s  {result.name}{note}")
        if result.name.startswith("terraform apply+destroy") and not result.cached:
            for line in result.output.splitlines():
                if line.startswith(("ok ", "left in", "total ")):
                    print(f"            {line.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--all-envs", action="store_true", help="apply and destroy every environment, not dev"
    )
    args = parser.parse_args()
    options = CheckOptions(all_envs=args.all_envs)
    with tempfile.TemporaryDirectory(prefix="dayone-bench-check-") as tmp:
        os.environ["DAYONE_CHECK_CACHE"] = str(Path(tmp, "check-cache"))
        project = Path(tmp, "bench-check")
        subprocess.run(
            [str(Path(sys.executable).with_name("dayone")), "new", str(project), "--defaults",
             "--template", str(ROOT), "--vcs-ref", "HEAD"],
            check=True, capture_output=True,
        )  # fmt: skip
        cold, results = _timed(project, options)
        _report("cold run (empty check cache)", cold, results)
        package = next((project / "src").iterdir())
        module = package / "__init__.py"
        module.write_text(module.read_text() + "\n# benchmark: one changed line\n")
        subprocess.run(
            [
                "git",
                "-c",
                "user.name=bench",
                "-c",
                "user.email=bench@example.com",
                "commit",
                "-qam",
                "one line",
            ],
            cwd=project,
            check=True,
        )
        warm, results = _timed(project, options)
        _report("after changing one line in src/", warm, results)
        print(f"\nsecond run / cold run: {warm / cold:.0%}")


if __name__ == "__main__":
    main()
