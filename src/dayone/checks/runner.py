"""The runner of `dayone check`: lanes, cache, heartbeat; it names no check.

What runs is the table (dayone.checks.table) filtered by the project's own list: a step that
is a make target runs when the rendered Makefile's CHECKS names it (`make check` and the CI
pipelines run the same targets), a step of dayone's own when its `applies` says so. The
CONCURRENT_LANES run side by side, each in order; the LAST lane runs when they are done.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from dayone.answers import read_project_answers
from dayone.checks import cache
from dayone.errors import DayoneError
from dayone.failure_hints import with_known_fix
from dayone.gitrepo import snapshot_changes, work_tree_snapshot
from dayone.terraform import MIRROR_ENV_VAR, Terraform, find_mirror, write_cli_config
from dayone.tools import project_environment, uv_executable

TAIL_LINES = 30
# How often `dayone check` says which steps are still running (at least every 10 s).
HEARTBEAT_SECONDS = 10.0


class CheckFailed(DayoneError):
    """A check ran and failed; the message is its output."""


class CheckSkipped(DayoneError):
    """A check cannot run on this machine; the message says why and where it does run."""


@dataclass(frozen=True)
class CheckOptions:
    """How far some checks go: every environment or dev only; where to keep their records."""

    all_envs: bool = False
    out_dir: Path | None = None
    # A step whose inputs are unchanged since it last passed is not run again (check_cache).
    use_cache: bool = True


@dataclass
class CheckContext:
    """What a check may use: the project, its answers, and a scratch directory."""

    project: Path
    answers: Mapping[str, object]
    env: dict[str, str]
    scratch: Path
    options: CheckOptions = field(default_factory=lambda: CheckOptions())
    # The project's files, listed once for the cache keys.
    files: list[str] | None = None
    # The work tree as the check found it (gitrepo.work_tree_snapshot): uncommitted edits
    # are the user's, so "tree unchanged" compares against this, never against HEAD.
    tree_before: str | None = None

    @cached_property
    def terraform(self) -> Terraform:
        mirror = find_mirror(self.env)
        if mirror is None:  # online: the user's own Terraform configuration applies
            return Terraform(self.env)
        return Terraform(write_cli_config(self.scratch / "tfrc", mirror, base_env=self.env))

    @cached_property
    def make_copy(self) -> Path:
        """What the Terraform make targets read (Makefile, pyproject.toml, infra/), copied."""
        from dayone.checks.apply import copy_infra

        copy = self.scratch / "make"
        copy_infra(self.project / "infra", copy / "infra")
        for name in ("Makefile", "pyproject.toml"):
            shutil.copy2(self.project / name, copy / name)
        return copy

    @cached_property
    def terraform_env(self) -> dict[str, str]:
        """The environment for make targets that run terraform: dayone's CLI configuration
        (provider mirror, plugin cache) stands, so the Makefile must not write its own."""
        env = dict(self.terraform.env)
        if "TF_CLI_CONFIG_FILE" in env:
            env.pop(MIRROR_ENV_VAR, None)
        return env


PYTHON_LANE, TERRAFORM_LANE, EMULATOR_LANE, LAST = "python", "terraform", "emulator", "last"
# The lanes that run side by side. The emulated apply has its own: most of its time is spent
# waiting (the aws provider waits about 55 s on each new bucket lifecycle configuration, for
# S3's eventual consistency, emulator or not), so it overlaps the static Terraform checks
# rather than waiting behind them.
CONCURRENT_LANES = (PYTHON_LANE, TERRAFORM_LANE, EMULATOR_LANE)


@dataclass(frozen=True)
class Check:
    """One named step of the table: what it runs, in which lane, what its cache key reads.

    The CONCURRENT_LANES run side by side, each lane in order; `needs_project_env` waits for
    the project's environment (uv sync); the LAST lane runs when all of them are done.
    """

    name: str
    action: Callable[[CheckContext], str]
    applies: Callable[[Mapping[str, object]], bool] = lambda _answers: True
    lane: str = PYTHON_LANE
    needs_project_env: bool = False
    # Path prefixes (relative to the project) whose content decides the result, and the
    # tools it runs: the cache key. None: always run (its effect is outside the files).
    reads: tuple[str, ...] | None = None
    tools: tuple[str, ...] = ()
    # The generated Makefile's targets this step runs (CI runs them too): the step runs when
    # the project's CHECKS names them all. Empty: dayone's own step, decided by `applies`.
    targets: tuple[str, ...] = ()
    # The project's environment is ready once this step has passed (uv sync).
    readies_project_env: bool = False
    # The step compares the tree with a snapshot taken before any step ran.
    needs_tree_snapshot: bool = False
    # The step writes records into --out-dir (plans, outputs): never cached when asked for.
    writes_records: bool = False

    @property
    def target(self) -> str | None:
        """The one make target this step is, if it is exactly one."""
        return self.targets[0] if len(self.targets) == 1 else None


@dataclass
class CheckResult:
    name: str
    passed: bool
    seconds: float
    output: str = field(repr=False, default="")
    cached: bool = False
    # Why the step could not run here (e.g. no google provider offline); never cached.
    skipped: str = ""

    @property
    def tail(self) -> str:
        return "\n".join(self.output.strip().splitlines()[-TAIL_LINES:])


def command(
    *argv: str, extra_env: Mapping[str, str] | None = None
) -> Callable[[CheckContext], str]:
    """A check that runs `argv` in the project; "uv" means the uv dayone found."""

    def run(context: CheckContext) -> str:
        resolved = [uv_executable(context.env) if argv[0] == "uv" else argv[0], *argv[1:]]
        try:
            completed = subprocess.run(
                resolved,
                cwd=context.project,
                env={**context.env, **(extra_env or {})},
                capture_output=True,
                text=True,
            )
        except FileNotFoundError:
            raise CheckFailed(f"{argv[0]}: command not found") from None
        output = completed.stdout + completed.stderr
        if completed.returncode != 0:
            raise CheckFailed(output or f"exit code {completed.returncode}")
        return output

    return run


def tree_unchanged(context: CheckContext) -> str:
    """The checks leave the work tree as they found it; the user's own uncommitted edits
    were there before, so they are not counted. A formatter hook that rewrites a file fails
    here, whoever last edited that file: the check reports, the user reviews and commits."""
    if context.tree_before is None:
        raise CheckFailed(f"{context.project} is not a git work tree: nothing to compare")
    changes = snapshot_changes(
        context.project, context.tree_before, work_tree_snapshot(context.project)
    )
    if changes:
        listed = "\n".join(changes)
        raise CheckFailed(
            f"the checks changed the tree (your uncommitted edits before the check are not "
            f"counted):\n{listed}\nreview the change (git diff), keep or revert it, and check again"
        )
    return "unchanged since the check started"


def make(
    target: str, *, terraform: bool = False, in_copy: bool = False
) -> Callable[[CheckContext], str]:
    """A check that runs the project's `make <target>`, the step's one definition.

    `terraform`: run with dayone's Terraform configuration; `in_copy`: in the throwaway copy
    of Makefile and infra/ (for targets that init, so nothing lands in the user's tree).
    """

    def run(context: CheckContext) -> str:
        where = context.make_copy if in_copy else context.project
        env = context.terraform_env if terraform else context.env
        return command("make", "--no-print-directory", "-C", str(where), target)(
            replace(context, env=env)
        )

    return run


def environments(project: Path) -> list[str]:
    """The project's environments: its folders under infra/envs, in the order the Makefile's
    ENVS lists them (the deploy order), then any other folder by name."""
    envs = project / "infra" / "envs"
    found = sorted(p.name for p in envs.iterdir() if p.is_dir()) if envs.is_dir() else []
    listed: list[str] = []
    makefile = project / "Makefile"
    if makefile.is_file():
        match = re.search(r"(?m)^ENVS\s*:?=\s*(.*)$", makefile.read_text(encoding="utf-8"))
        listed = match.group(1).split() if match else []
    return [e for e in listed if e in found] + [e for e in found if e not in listed]


def makefile_checks(project: Path, env: Mapping[str, str]) -> list[str]:
    """The targets the project's `make check` runs: its Makefile's CHECKS, as make expands it
    (the Makefile adds targets from the folders the project has)."""
    if not (project / "Makefile").is_file():
        raise DayoneError(f"{project} has no Makefile: give a generated project")
    try:
        shown = subprocess.run(
            ["make", "--no-print-directory", "-s", "-C", str(project), "print-checks"],
            env=dict(env), capture_output=True, text=True,
        )  # fmt: skip
    except FileNotFoundError:
        raise DayoneError(
            "make: command not found (dayone check runs the Makefile's targets)"
        ) from None
    if shown.returncode != 0:
        raise DayoneError(
            f"{project}/Makefile has no print-checks target (the list of checks): "
            "update the project (dayone update)"
        )
    return shown.stdout.split()


def _cache_key(check: Check, context: CheckContext) -> str | None:
    options = context.options
    if not options.use_cache or check.reads is None:
        return None
    if options.out_dir is not None and check.writes_records:
        return None  # records (plans, outputs) were asked for: the step writes them
    if context.files is None:
        context.files = cache.project_files(context.project)
    settings = f"all_envs={options.all_envs}"
    return cache.key_for(
        context.project, check.name, check.reads, context.files, check.tools, context.env, settings
    )


def run_check(check: Check, context: CheckContext) -> CheckResult:
    started = time.monotonic()
    key = _cache_key(check, context)
    if key is not None and cache.passed_before(context.env, key):
        note = "passed before on these exact inputs (cached; --no-cache runs it again)"
        return CheckResult(check.name, True, time.monotonic() - started, note, cached=True)
    try:
        output = check.action(context)
        passed = True
    except CheckSkipped as reason:
        elapsed = time.monotonic() - started
        return CheckResult(check.name, True, elapsed, str(reason), skipped=str(reason))
    except DayoneError as error:  # CheckFailed, TerraformError, missing tools
        # A cause `dayone doctor` knows (no provider mirror, an uncached checker) gets its fix.
        output, passed = with_known_fix(str(error), context.env), False
    if passed and key is not None:
        cache.remember_pass(context.env, key, check.name)
    return CheckResult(check.name, passed, time.monotonic() - started, output)


def _snapshot_or_none(project: Path) -> str | None:
    try:
        return work_tree_snapshot(project)
    except DayoneError:  # not a git work tree: the tree check says so
        return None


def select(checks: Sequence[Check], only: Sequence[str]) -> list[Check]:
    """The checks whose name starts with one of `only` (all of them when `only` is empty)."""
    if not only:
        return list(checks)
    chosen = [c for c in checks if any(c.name.startswith(prefix) for prefix in only)]
    if not chosen:
        names = ", ".join(c.name for c in checks)
        raise DayoneError(f"--only matches no check; the checks are: {names}")
    return chosen


def applicable(
    checks: Sequence[Check], answers: Mapping[str, object], targets: Sequence[str]
) -> list[Check]:
    """The steps that run for a project: the table's make targets its CHECKS names, dayone's
    own steps whose `applies` holds, in table order; then each target of CHECKS no table entry
    runs, as a plain `make <target>` (never cached): the Makefile's list is what runs."""
    chosen = [c for c in checks if c.applies(answers) and all(t in targets for t in c.targets)]
    covered = {t for c in chosen for t in c.targets}
    chosen += [
        Check(f"make {t}", make(t), targets=(t,), needs_project_env=True)
        for t in targets
        if t not in covered
    ]
    return chosen


def run_checks(
    project: Path,
    checks: Sequence[Check],
    env: Mapping[str, str] | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
    only: Sequence[str] = (),
    options: CheckOptions | None = None,
    on_progress: Callable[[list[tuple[str, float]]], None] | None = None,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
) -> list[CheckResult]:
    """Run every applicable check (all of them, even after a failure) and report each.

    While steps run, `on_progress` hears every `heartbeat_seconds` which ones are running and
    for how long (name, seconds), so that a long step (the emulated apply, a first pytest)
    is never minutes of silence.
    """
    select(checks, only)  # an unknown --only is refused before anything runs
    answers = read_project_answers(project)
    env_vars = project_environment(env)
    chosen = [
        c
        for c in applicable(checks, answers, makefile_checks(project, env_vars))
        if not only or any(c.name.startswith(prefix) for prefix in only)
    ]
    finished: dict[str, CheckResult] = {}
    report = threading.Lock()
    # Checks that need the project's environment wait until uv sync has run (or is not
    # among the selected checks, so the environment is taken as it is).
    project_env_ready = threading.Event()
    if not any(c.readies_project_env for c in chosen):
        project_env_ready.set()

    with tempfile.TemporaryDirectory(prefix="dayone-check-") as scratch:
        context = CheckContext(project, answers, env_vars, Path(scratch), options or CheckOptions())
        if any(c.needs_tree_snapshot for c in chosen):
            context.tree_before = _snapshot_or_none(project)

        running: dict[str, float] = {}  # step name -> when it started (monotonic)

        def run_lane(lane: str) -> None:
            try:
                for check in (c for c in chosen if c.lane == lane):
                    if check.needs_project_env:
                        project_env_ready.wait()
                    with report:
                        running[check.name] = time.monotonic()
                    result = run_check(check, context)
                    if check.readies_project_env:
                        project_env_ready.set()
                    with report:
                        running.pop(check.name, None)
                        finished[check.name] = result
                        if on_result:
                            on_result(result)
            finally:
                project_env_ready.set()  # never leave the other lane waiting

        all_done = threading.Event()

        def heartbeat() -> None:
            while not all_done.wait(heartbeat_seconds):
                with report:
                    now = time.monotonic()
                    steps = [(name, now - started) for name, started in running.items()]
                    if steps and on_progress:
                        on_progress(steps)

        beat = threading.Thread(target=heartbeat, name="dayone-check-heartbeat", daemon=True)
        beat.start()
        try:
            with ThreadPoolExecutor(max_workers=len(CONCURRENT_LANES)) as lanes:
                for future in [lanes.submit(run_lane, lane) for lane in CONCURRENT_LANES]:
                    future.result()
            run_lane(LAST)
        finally:
            all_done.set()
            beat.join()
    return [finished[c.name] for c in chosen if c.name in finished]
