"""Benchmark: `dayone check` on a default project with warm caches.

    python3 scripts/dev.py demo   # once, so uv, pre-commit and Terraform caches are warm
    .venv/bin/python scripts/benchmark_check.py [--runs N]

Renders a default project, runs the check suite once to warm the caches (uv, pre-commit
hook environments, the Terraform plugin cache), then N more times, and prints the median
seconds of each check and of the whole suite.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dayone.checks import CheckOptions, run_checks

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--all-envs", action="store_true", help="apply and destroy every environment, not dev"
    )
    args = parser.parse_args()
    options = CheckOptions(all_envs=args.all_envs)
    apply_lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dayone-bench-check-") as tmp:
        project = Path(tmp, "bench-check")
        subprocess.run(
            [str(Path(sys.executable).with_name("dayone")), "new", str(project), "--defaults",
             "--template", str(ROOT), "--vcs-ref", "HEAD"],
            check=True, capture_output=True,
        )  # fmt: skip
        run_checks(project, options=options)  # warm-up
        per_check: dict[str, list[float]] = {}
        totals: list[float] = []
        for _ in range(args.runs):
            started = time.perf_counter()
            results = run_checks(project, options=options)
            totals.append(time.perf_counter() - started)
            failed = [r.name for r in results if not r.passed]
            if failed:
                sys.exit(f"checks failed, the timing would mean nothing: {failed}")
            for result in results:
                per_check.setdefault(result.name, []).append(result.seconds)
                if result.name.startswith("terraform apply+destroy"):
                    apply_lines += [
                        line.strip()
                        for line in result.output.splitlines()
                        if line.startswith("ok ")
                    ]
    print(f"{'check':<36} {'median s':>9}   (warm caches, runs={args.runs})")
    for name, values in per_check.items():
        print(f"{name:<36} {statistics.median(values):9.1f}")
    print(f"{'dayone check, whole suite':<36} {statistics.median(totals):9.1f}")
    print("emulated apply+destroy, per environment and run:")
    for line in apply_lines:
        print(f"  {line}")


if __name__ == "__main__":
    main()
