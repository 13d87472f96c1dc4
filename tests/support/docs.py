"""Running the docs' shell commands as written.

A small runner (pytest-markdown-docs and mktestdocs run Python blocks; these docs are shell):
every fenced ```sh / ```bash / ```shell block of a document is a script the reader would
type. Its commands run in order in one bash session (so `cd`, `export` and `. activate`
carry over, as in the reader's terminal), each echoed before it runs, stopping at the first
failure. Inline `code` in prose is not run; a command the docs want run goes in a block.

The only commands not run are listed in NOT_RUN (cannot run here) and RAN_JUST_BEFORE (an
earlier command of the same walk-through ran them), each with its reason, and a test pins
both lists (tests/test_docs.py).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SHELL_LANGUAGES = {"sh", "bash", "shell"}
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```\s*$", re.M | re.S)
TRAILING_COMMENT = re.compile(r"\s+#\s.*$")

# (document, command without its trailing comment) -> why a test cannot run it as written.
NOT_RUN: dict[tuple[str, str], str] = {
    ("README.md", "python3 scripts/dev.py test"): (
        "the whole test suite; run from a test it would run this test again"
    ),
    (
        "generated README.md",
        "uvx --from \"mlflow==$(uv run python -c 'import mlflow; "
        "print(mlflow.__version__)')\" mlflow ui --backend-store-uri sqlite:///mlruns/mlflow.db",
    ): (
        "starts the MLflow web UI, a server that runs until Ctrl-C; it also downloads the "
        "full mlflow package"
    ),
    ("generated README.md", "export AWS_PROFILE=my-dev-profile"): (
        "names the reader's own AWS profile; only meaningful with a real AWS account"
    ),
    ("generated README.md", "make infra-bootstrap ENV=dev"): "needs a real AWS account",
    ("generated README.md", "make infra-plan ENV=dev"): "needs a real AWS account",
    ("generated README.md", "make infra-apply ENV=dev"): "needs a real AWS account",
    ("docs/quickstart.md", "make infra-plan ENV=dev"): "needs a real AWS account",
    # The loop on an environment: the same commands run on the emulator in tests/test_ml_loop.py.
    **{
        ("generated README.md", command): "needs staging applied in a real AWS account"
        for command in (
            "make upload-data ENV=staging",
            "make train ENV=staging",
            "make promote RUN=RUN_ID ENV=staging",
            "make serve ENV=staging",
            "make rollback ENV=staging",
        )
    },
}
# Run by a command just before them in the same project, so a reader who follows the docs in
# order has already run them: the docs test does not run them twice (each is minutes). The
# test asserts that the earlier command did run them (the apply's report is in its output).
RAN_JUST_BEFORE: dict[tuple[str, str], str] = {
    ("docs/quickstart.md", "make infra-local ENV=dev"): (
        "`make check` just above runs infra-local with ENV=dev (the Makefile's CHECKS)"
    ),
    # The generated README is run in the project the quickstart created, right after it.
    ("generated README.md", "make setup"): "the quickstart ran it in this project",
    ("generated README.md", "make check"): "the quickstart ran it in this project",
    ("generated README.md", "make infra-local ENV=dev"): (
        "the quickstart's `make check` ran infra-local with ENV=dev in this project"
    ),
}


@dataclass(frozen=True)
class Command:
    text: str  # as written, continuation lines joined

    @property
    def key(self) -> str:
        """The command without a trailing `# comment`, on one line."""
        return " ".join(TRAILING_COMMENT.sub("", self.text).split())


def shell_blocks(markdown: str) -> list[str]:
    return [body for lang, body in FENCE.findall(markdown) if lang in SHELL_LANGUAGES]


def commands(block: str) -> list[Command]:
    """The commands of a block, with `\\` continuation lines joined; comment lines dropped."""
    found: list[Command] = []
    pending = ""
    for line in block.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1].rstrip() + " "
            continue
        found.append(Command((pending + line.strip()).strip()))
        pending = ""
    if pending:
        found.append(Command(pending.strip()))
    return found


def document_commands(path: Path) -> list[Command]:
    return [c for block in shell_blocks(path.read_text(encoding="utf-8")) for c in commands(block)]


def script(
    doc: str, cmds: list[Command], skip: Mapping[tuple[str, str], str]
) -> tuple[str, list[str]]:
    """The bash script running `cmds` in order, and the commands it leaves out (with why)."""
    lines = ["set -euo pipefail"]
    skipped = []
    for command in cmds:
        reason = skip.get((doc, command.key))
        if reason is not None:
            skipped.append(f"{command.key}  ({reason})")
            continue
        lines.append(f"echo {shlex.quote('$ ' + command.text)} >&2")
        lines.append(command.text)
    return "\n".join(lines) + "\n", skipped


def fresh_path(tmp: Path, tools: Mapping[str, str]) -> str:
    """PATH for a reader's fresh machine: the system directories, minus anything of this
    repository's environments, plus only the named tools (linked into one directory)."""
    bin_dir = tmp / "reader-bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, target in tools.items():
        link = bin_dir / name
        if not link.exists():
            link.symlink_to(target)
    system = [d for d in ("/usr/local/bin", "/usr/bin", "/bin") if Path(d).is_dir()]
    return os.pathsep.join([str(bin_dir), *system])


def run_script(text: str, cwd: Path, env: Mapping[str, str], timeout: float) -> tuple[int, str]:
    completed = subprocess.run(
        ["bash", "-c", text],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return completed.returncode, completed.stdout + completed.stderr
