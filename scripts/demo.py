"""Main job: render a default project with `dayone new --defaults`, then prove it green with
`dayone check` (the generated repository's own checks, as its CI runs them).

    python3 scripts/dev.py demo [DEST]

DEST defaults to .demo/demo-project in this checkout (git-ignored), replaced on every run, so
demos never pile up in temporary folders; the last one stays there for you to look inside.
Each phase prints its time, each check its result as it finishes, and the end says what
was proven and where the project is.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

DAYONE = Path(sys.executable).with_name("dayone")
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEST = ROOT / ".demo" / "demo-project"
CHECK_ROW = re.compile(r"^\s+(pass|FAIL)\s+([\d.]+)s\s+(.+)$")


def _phase(title: str) -> float:
    print(f"\ndemo: == {title}", flush=True)
    return time.monotonic()


def _done(title: str, started: float) -> float:
    seconds = time.monotonic() - started
    print(f"demo: {title} done in {seconds:.1f}s", flush=True)
    return seconds


def main() -> int:
    dest = Path(sys.argv[1]).absolute() if len(sys.argv) > 1 else DEFAULT_DEST
    if dest == DEFAULT_DEST and dest.exists():
        shutil.rmtree(dest)  # the previous demo's project; only ever this fixed folder
    dest.parent.mkdir(parents=True, exist_ok=True)

    started = _phase(f"render: dayone new {dest} --defaults")
    # This checkout's HEAD (with any local edits), not its newest release tag: the demo
    # proves the code in front of you.
    created = subprocess.run(
        [str(DAYONE), "new", str(dest), "--defaults", "--template", str(ROOT), "--vcs-ref", "HEAD"]
    )
    if created.returncode != 0:
        print("demo: FAILED to render the project", file=sys.stderr)
        return created.returncode
    render_seconds = _done("render and first commit", started)

    started = _phase(f"checks: dayone check {dest} (each check prints as it finishes)")
    process = subprocess.Popen(
        [str(DAYONE), "check", str(dest)], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    passed: list[str] = []
    failed: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="", flush=True)
        row = CHECK_ROW.match(line)
        if row:
            (passed if row[1] == "pass" else failed).append(f"{row[3]} ({row[2]}s)")
    returncode = process.wait()
    check_seconds = _done("checks", started)

    print("\ndemo: == summary", flush=True)
    print(f"  render   {render_seconds:7.1f}s  `dayone new --defaults`: project rendered, "
          "dependencies locked, first commit on main")  # fmt: skip
    print(f"  checks   {check_seconds:7.1f}s  {len(passed)} passed, {len(failed)} failed")
    for name in passed:
        print(f"    proven: {name}")
    for name in failed:
        print(f"    FAILED: {name}")
    print(f"  project: {dest}")
    if dest == DEFAULT_DEST:
        print("  (.demo/ is git-ignored and replaced by the next demo; delete it any time)")
    if returncode == 0 and not failed:
        print("demo: the default project is green: it passes every check its own CI runs.")
    else:
        print("demo: FAILED: see the failing checks above.", file=sys.stderr)
    return returncode


if __name__ == "__main__":
    sys.exit(main())
