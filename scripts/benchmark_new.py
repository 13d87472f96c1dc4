"""Benchmark: `dayone new --defaults` next to a plain `copier copy` of the same template.

    .venv/bin/python scripts/benchmark_new.py [--runs N]

Prints the median wall time of each, side by side, from one run of this script. `dayone new`
does more than copier (git init, uv lock, first commit), so the difference is that overhead.

Then the lock alone, in one rendered project, both ways `dayone new` can take it: from uv's
cache (`uv lock --offline`, what every render after the first on a machine does) and
revalidated against the package index (`--refresh`, what a render pays when the cache lacks
a dependency: the first render after the template adds one, such as shap).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _time(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, cwd=cwd, env=env)
    return time.perf_counter() - started


def _lock_seconds(project: Path, runs: int) -> dict[str, list[float]]:
    """Seconds of `uv lock` from nothing in `project`, from the cache and from the index."""
    from dayone.tools import project_environment, uv_executable

    env, uv = project_environment(), uv_executable()
    timings: dict[str, list[float]] = {"uv lock --offline": [], "uv lock --refresh": []}
    for _ in range(runs):
        for name, flag in (("uv lock --offline", "--offline"), ("uv lock --refresh", "--refresh")):
            (project / "uv.lock").unlink()
            timings[name].append(_time([uv, "lock", "--quiet", flag], cwd=project, env=env))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    timings: dict[str, list[float]] = {"dayone new --defaults": [], "copier copy --defaults": []}
    with tempfile.TemporaryDirectory(prefix="dayone-bench-") as tmp:
        for run in range(args.runs):
            dest = Path(tmp, f"new-{run}", "bench-project")
            timings["dayone new --defaults"].append(
                _time(
                    [
                        str(BIN / "dayone"),
                        "new",
                        str(dest),
                        "--defaults",
                        "--template",
                        str(ROOT),
                        "--vcs-ref",
                        "HEAD",
                    ]
                )
            )
            dest = Path(tmp, f"copy-{run}", "bench-project")
            timings["copier copy --defaults"].append(
                _time(
                    [str(BIN / "copier"), "copy", "--quiet", "--defaults", "--vcs-ref", "HEAD",
                     "--data", "project_name=bench-project", str(ROOT), str(dest)]
                )
            )  # fmt: skip
        # The lock alone, in a project rendered above, while the temporary folder exists.
        locks = _lock_seconds(Path(tmp, "new-0", "bench-project"), args.runs)
    print(f"{'command':<26} {'median s':>9} {'min s':>7} {'max s':>7}  runs={args.runs}")
    for name, values in timings.items():
        print(f"{name:<26} {statistics.median(values):9.2f} {min(values):7.2f} {max(values):7.2f}")
    ratio = statistics.median(timings["dayone new --defaults"]) / statistics.median(
        timings["copier copy --defaults"]
    )
    print(f"dayone new / copier copy = {ratio:.2f}x (git init, uv lock and first commit included)")
    print("the lock step alone, from no uv.lock in the rendered project:")
    for name, values in locks.items():
        print(f"{name:<26} {statistics.median(values):9.2f} {min(values):7.2f} {max(values):7.2f}")
    print(
        "dayone new takes the first when uv's cache holds every dependency, the second once "
        "when it lacks one (the first render after the template adds a dependency)"
    )


if __name__ == "__main__":
    main()
