"""Main job: render a default project with `dayone new --defaults`, then prove it green with
`dayone check` (the generated repository's own checks, as its CI runs them).

    python3 scripts/dev.py demo [DEST]

DEST defaults to a fresh temporary directory, which is kept so you can look inside.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

DAYONE = Path(sys.executable).with_name("dayone")
ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    if len(sys.argv) > 1:
        dest = Path(sys.argv[1]).absolute()
    else:
        dest = Path(tempfile.mkdtemp(prefix="dayone-demo-")) / "demo-project"
    print(f"demo: dayone new {dest} --defaults", flush=True)
    # This checkout's HEAD (with any local edits), not its newest release tag: the demo
    # proves the code in front of you.
    created = subprocess.run(
        [str(DAYONE), "new", str(dest), "--defaults", "--template", str(ROOT), "--vcs-ref", "HEAD"]
    )
    if created.returncode != 0:
        return created.returncode
    print(f"demo: dayone check {dest}", flush=True)
    return subprocess.run([str(DAYONE), "check", str(dest)]).returncode


if __name__ == "__main__":
    sys.exit(main())
