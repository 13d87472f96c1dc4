"""Running the docs' shell commands as written.

A small runner (pytest-markdown-docs and mktestdocs run Python blocks; these docs are shell):
every fenced ```sh / ```bash / ```shell block of a document is a script the reader would
type. Its commands run in order in one bash session (so `cd`, `export` and `. activate`
carry over, as in the reader's terminal), each echoed before it runs, stopping at the first
failure. Inline `code` in prose is not run; a command the docs want run goes in a block.

The only commands not run are listed in NOT_RUN (cannot run here), RAN_JUST_BEFORE (an
earlier command of the same walk-through ran them) and RUN_LATER (a later step of the
walk-through runs them, where they belong in the reader's day), each with its reason, and a
test pins the lists (tests/test_docs.py).

Two kinds of commands are run as written with help from the runner, also pinned there:
SERVERS run until Ctrl-C (`make serve`, the MLflow UI): the runner starts one in the
background, waits until its page answers, runs the rest of its block (the reader's "from
another shell"), then stops it as Ctrl-C would. PLACEHOLDERS are words the reader replaces
(a run id from `runs`): the test says what it replaces them with.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
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
# Run by a later step of the same walk-through, where they belong in the reader's day.
RUN_LATER: dict[tuple[str, str], str] = {
    ("docs/quickstart.md", "make check"): (
        "the generated README's `make check` runs it in this project the next day, with an "
        "uncommitted edit (one full check with its emulated apply, not two)"
    ),
    ("docs/quickstart.md", "make infra-local ENV=dev"): (
        "the generated README's `make check` runs infra-local with ENV=dev in this project"
    ),
    ("generated README.md", "dayone update"): (
        "it refuses uncommitted work: the day-two scenario runs it after committing, against "
        "a new template release"
    ),
}
# Commands that run until Ctrl-C -> the URL that answers once they are up (shell variables
# are the ports the reader may choose; the test picks free ones).
SERVERS: dict[tuple[str, str], str] = {
    ("generated README.md", "make serve"): "http://127.0.0.1:${PORT:-8000}/health",
    (
        "generated README.md",
        "uv run --isolated --group ui mlflow ui --backend-store-uri sqlite:///mlruns/mlflow.db "
        "--workers 1",
    ): "http://127.0.0.1:${MLFLOW_PORT:-5000}/",
}
# Words of a command the reader replaces with their own value, and what stands for them.
PLACEHOLDERS: dict[str, str] = {
    "RUN_ID": "a run id the reader copies from `runs`; the test passes a committed run's",
}
SERVER_START_SECONDS = 600  # the MLflow UI installs the full mlflow on first use

# Run by a command just before them in the same project, so a reader who follows the docs in
# order has already run them: the docs test does not run them twice (each is minutes). The
# test asserts that the earlier command did run them (the apply's report is in its output).
RAN_JUST_BEFORE: dict[tuple[str, str], str] = {
    # The generated README is run in the project the quickstart created, right after it.
    ("generated README.md", "make setup"): "the quickstart ran it in this project",
    ("generated README.md", "make infra-local ENV=dev"): (
        "the README's own `make check` ran infra-local with ENV=dev in this project"
    ),
}


@dataclass(frozen=True)
class Command:
    text: str  # as written, continuation lines joined
    block: int = 0  # which fenced block of its document it is in

    @property
    def key(self) -> str:
        """The command without a trailing `# comment`, on one line."""
        return " ".join(TRAILING_COMMENT.sub("", self.text).split())


def shell_blocks(markdown: str) -> list[str]:
    return [body for lang, body in FENCE.findall(markdown) if lang in SHELL_LANGUAGES]


def commands(block: str, index: int = 0) -> list[Command]:
    """The commands of a block, with `\\` continuation lines joined; comment lines dropped."""
    found: list[Command] = []
    pending = ""
    for line in block.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1].rstrip() + " "
            continue
        found.append(Command((pending + line.strip()).strip(), index))
        pending = ""
    if pending:
        found.append(Command(pending.strip(), index))
    return found


def document_commands(path: Path) -> list[Command]:
    blocks = shell_blocks(path.read_text(encoding="utf-8"))
    return [c for index, block in enumerate(blocks) for c in commands(block, index)]


# Shell functions of every script: servers in their own process group (so that stopping one
# stops make, uv and the server beneath it), waited for by their page, stopped with SIGINT
# (Ctrl-C) at the end of their block or of the script; and the git status check.
PRELUDE = r"""
docs_servers=()
docs_start() {  # command, ready URL, log file
  setsid bash -c "$1" >"$3" 2>&1 &
  local pid=$! waited=0 code
  docs_servers+=("$pid")
  while [ "$waited" -lt "$DOCS_SERVER_START_SECONDS" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "docs: the server stopped before answering:" >&2; cat "$3" >&2; return 1
    fi
    code=$(curl -s -o "$3.page" -w '%{http_code}' "$2" || true)
    if [ "$code" = 200 ]; then
      echo "docs: $2 answered 200 after ${waited}s: $(grep -o '<title>[^<]*</title>' "$3.page" | head -n 1)" >&2
      return 0
    fi
    sleep 2; waited=$((waited + 2))
  done
  echo "docs: $2 did not answer within ${DOCS_SERVER_START_SECONDS}s:" >&2; cat "$3" >&2; return 1
}
docs_stop_servers() {
  local pid waited
  for pid in "${docs_servers[@]}"; do kill -INT -- "-$pid" 2>/dev/null || true; done
  for pid in "${docs_servers[@]}"; do
    waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 30 ]; do sleep 1; waited=$((waited + 1)); done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "docs: server $pid stopped" >&2
  done
  docs_servers=()
}
trap docs_stop_servers EXIT
docs_status_is() {  # what `git status --porcelain` must show: the reader's own edits only
  local now
  now=$(git status --porcelain --untracked-files=all)
  if [ "$now" != "$1" ]; then
    printf 'docs: after that command git status shows more than the reader'"'"'s edits:\n%s\n' "$now" >&2
    return 1
  fi
}
"""


def script(
    doc: str,
    cmds: list[Command],
    skip: Mapping[tuple[str, str], str],
    values: Mapping[str, str] | None = None,
    status: str | None = None,
    logs: Path | None = None,
) -> tuple[str, list[str]]:
    """The bash script running `cmds` in order, and the commands it leaves out (with why).

    `values` replace PLACEHOLDERS; with `status`, git status is checked after every command
    (and must read `status`); `logs` is where servers write their output.
    """
    unknown = set(values or {}) - set(PLACEHOLDERS)
    assert not unknown, f"not a pinned placeholder: {unknown}"
    lines = ["set -euo pipefail", f"DOCS_SERVER_START_SECONDS={SERVER_START_SECONDS}", PRELUDE]
    skipped = []
    block = None
    for index, command in enumerate(cmds):
        reason = skip.get((doc, command.key))
        if reason is not None:
            skipped.append(f"{command.key}  ({reason})")
            continue
        if block is not None and command.block != block:
            lines.append("docs_stop_servers  # the reader's Ctrl-C at the end of the block")
        block = command.block
        text = command.text
        for word, value in (values or {}).items():
            text = re.sub(rf"\b{word}\b", value, text)
        lines.append(f"echo {shlex.quote('$ ' + text)} >&2")
        ready = SERVERS.get((doc, command.key))
        if ready is not None:
            log = (logs or Path(tempfile.gettempdir())) / f"server-{index}.log"
            lines.append(f'docs_start {shlex.quote(text)} "{ready}" {shlex.quote(str(log))}')
        else:
            lines.append(text)
        if status is not None:
            lines.append(f"docs_status_is {shlex.quote(status)}")
    lines.append("docs_stop_servers")
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
    """Run the script; its output as a reader sees it (each command's echo, then what the
    command printed, stdout and stderr interleaved)."""
    completed = subprocess.run(
        ["bash", "-c", text],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return completed.returncode, completed.stdout
