"""A generated repository's check suite: the steps its `make check` and its CI run.

The generated Makefile is the one definition of each step (a make target); the CI pipelines
call the same targets, and so does `dayone check`, which adds only scheduling (three lanes run
concurrently), a cache of passed steps, and the IAM scan, which needs dayone's own code.
Terraform steps that init run in a throwaway copy (Makefile and infra/), so that init and
lock files never touch the user's tree.
"""

from __future__ import annotations

import json
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
from typing import Any

from dayone import check_cache, gcp_schema, iam_scan
from dayone.answers import read_project_answers
from dayone.errors import DayoneError
from dayone.failure_hints import with_known_fix
from dayone.gitrepo import snapshot_changes, work_tree_snapshot
from dayone.offline_plan import copy_infra, local_aws, plan_environment
from dayone.terraform import (
    GOOGLE_PROVIDER,
    MIRROR_ENV_VAR,
    Terraform,
    find_mirror,
    holds_provider,
    write_cli_config,
)
from dayone.tools import project_environment, uv_executable

TAIL_LINES = 30
# How often `dayone check` says which steps are still running (at least every 10 s).
HEARTBEAT_SECONDS = 10.0
ENVIRONMENTS = ("dev", "staging", "prod")


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
    # Offline plans by environment, made once for the checks that read them (the IAM scan):
    # the environment's stack, and its bootstrap (where every IAM identity is made).
    plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    bootstrap_plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The policies the emulated apply read back, by environment (iam_scan.applied_documents).
    applied_policies: dict[str, Path] = field(default_factory=dict)
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
    def infra_copy(self) -> Path:
        return copy_infra(self.project / "infra", self.scratch / "infra")

    @cached_property
    def make_copy(self) -> Path:
        """What the Terraform make targets read (Makefile, pyproject.toml, infra/), copied."""
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
    """One named step; `applies` decides from the project's answers whether it runs.

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
    # The generated Makefile's target this step runs (CI runs it too); None: dayone's own.
    target: str | None = None


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


def _has_aws(answers: Mapping[str, object]) -> bool:
    return answers.get("cloud") == "aws"


def _has_gcp(answers: Mapping[str, object]) -> bool:
    return answers.get("cloud") == "gcp"


def _has_cloud(answers: Mapping[str, object]) -> bool:
    return answers.get("cloud", "none") != "none"


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


TREE_CHECK = "tree unchanged by checks"


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


def _offline_plans(context: CheckContext) -> dict[str, list[dict[str, Any]]]:
    """Plans of every environment (its stack and its bootstrap) against a local AWS emulator,
    with fake credentials, made once per check run for the checks that read plans (the IAM
    scan); by environment, the stack's plan first."""
    missing = [
        (e, kind)
        for e in ENVIRONMENTS
        for kind, plans in (("", context.plans), (".bootstrap", context.bootstrap_plans))
        if e not in plans
    ]
    if missing:  # the emulated apply, when it ran, left the plans it applied
        with local_aws() as endpoint:
            for environment, kind in missing:
                env_dir = context.infra_copy / "envs" / environment
                if kind:
                    plan = plan_environment(
                        context.terraform,
                        context.infra_copy / "bootstrap",
                        endpoint,
                        var_file=env_dir / "terraform.tfvars.json",
                    )
                    context.bootstrap_plans[environment] = plan
                else:
                    plan = plan_environment(context.terraform, env_dir, endpoint)
                    context.plans[environment] = plan
                if context.options.out_dir is not None:  # kept with the apply's records
                    record = context.options.out_dir / f"{environment}{kind}.plan.json"
                    record.write_text(json.dumps(plan), encoding="utf-8")
    return {e: [context.plans[e], context.bootstrap_plans[e]] for e in ENVIRONMENTS}


EMULATED_APPLY = "infra/local/apply_destroy.py"


def terraform_emulated_apply(context: CheckContext) -> str:
    """Apply and destroy dev (or every environment) on the project's local AWS emulator:
    `make infra-local`, keeping the plans it applied for the IAM scan."""
    if not (context.project / EMULATED_APPLY).is_file():
        raise CheckFailed(f"{EMULATED_APPLY} is missing: update the project (dayone update)")
    records = context.options.out_dir or context.scratch / "emulated-apply"
    target = [f"OUT_DIR={records}", *(["ALL=1"] if context.options.all_envs else ["ENV=dev"])]
    run = command("make", "--no-print-directory", "infra-local", *target)
    output = run(replace(context, env=context.terraform_env))
    # The plans it applied are the plans later steps read (the IAM scan): made once. So are
    # the policies it read back from the emulator after apply, which the plans cannot show.
    for environment in ENVIRONMENTS:
        for kind, plans in (("", context.plans), (".bootstrap", context.bootstrap_plans)):
            plan = records / f"{environment}{kind}.plan.json"
            if plan.is_file():
                plans[environment] = json.loads(plan.read_text(encoding="utf-8"))
        applied = records / f"{environment}{iam_scan.APPLIED_SUFFIX}"
        if applied.is_file():
            context.applied_policies[environment] = applied
    return output


def iam_policy_scan(context: CheckContext) -> str:
    """Every IAM policy document of every environment's plan, and of what the emulated apply
    read back: no privilege escalation, and every other finding fixed or skipped inline with
    a reason (see dayone.iam_scan)."""
    plans = _offline_plans(context)
    cloudsplaining = iam_scan.cloudsplaining_python(context.env)
    skips = iam_scan.inline_skips(context.project / "infra")
    documents = {}
    for env, (stack_plan, bootstrap_plan) in plans.items():
        # Each plan's documents are traced to their data blocks from its own root folder.
        documents[env] = [
            *iam_scan.policy_documents(stack_plan, f"envs/{env}"),
            *iam_scan.policy_documents(bootstrap_plan, "bootstrap"),
        ]
        if env in context.applied_policies:
            applied = iam_scan.applied_documents(context.applied_policies[env])
            documents[env] = iam_scan.with_applied(documents[env], applied)
    reports = iam_scan.scan_plans(documents, cloudsplaining, skips)
    lines = [iam_scan.describe(report, env) for env, report in reports.items()]
    failed = any(report.findings for report in reports.values())
    if failed:
        raise CheckFailed("\n".join(lines))
    return "\n".join(lines)


def _ci(answers: Mapping[str, object]) -> str:
    return str(answers.get("ci", "none"))


def gcp_schema_check(context: CheckContext) -> str:
    """Every google_* resource and data source of infra/ against the pinned provider schema:
    what `terraform validate` would catch, offline (see dayone.gcp_schema)."""
    report = gcp_schema.check_tree(context.project / "infra")
    summary = (
        f"{report.checked} google resources and data sources in {report.files} files against "
        f"hashicorp/google {report.provider_version}"
    )
    if report.problems:
        raise CheckFailed("\n".join([*map(str, report.problems), summary]))
    if report.checked == 0:
        raise CheckFailed(f"no google_* resources found under infra/ ({summary})")
    return summary


def gcp_iam_self_escalation(context: CheckContext) -> str:
    """The GCP project's IAM bindings, evaluated from its Terraform (no emulator of GCP IAM
    exists): no identity CI can assume can change a CI identity, its keys or tokens, the
    Workload Identity pool, or grant roles unlimited (see dayone.gcp_iam)."""
    from dayone import gcp_iam  # its parser is loaded for GCP projects only

    report = gcp_iam.check_tree(context.project / "infra")
    if report.findings:
        raise CheckFailed(report.describe())
    return report.describe()


def gcp_terraform_validate_and_test(context: CheckContext) -> str:
    """`make infra-validate` and `make infra-test` of a GCP project, where the google provider
    can be installed: from the user's own configuration (no mirror) or a mirror that holds
    it. Offline without it, skipped with the reason; the project's CI runs them online."""
    mirror = find_mirror(context.env)
    if mirror is not None and not holds_provider(mirror, GOOGLE_PROVIDER):
        raise CheckSkipped(
            f"the provider mirror {mirror} holds no {GOOGLE_PROVIDER}: terraform validate and "
            "test of the GCP Terraform run in the project's CI (online); the offline schema "
            "check stands in for validate here"
        )
    return "\n".join(
        make(target, terraform=True, in_copy=True)(context)
        for target in ("infra-validate", "infra-test")
    )


UV_SYNC = "uv sync (locked)"


def _target(
    name: str,
    target: str,
    applies: Callable[[Mapping[str, object]], bool] = lambda _answers: True,
    *,
    lane: str = PYTHON_LANE,
    reads: tuple[str, ...] = ("",),
    in_copy: bool = False,
    needs_project_env: bool = False,
) -> Check:
    """A step that is the project's `make <target>`; the Makefile is among what it reads."""
    terraform = lane == TERRAFORM_LANE
    return Check(
        name,
        make(target, terraform=terraform, in_copy=in_copy),
        applies,
        lane=lane,
        needs_project_env=needs_project_env,
        reads=(*reads, "Makefile") if "" not in reads else reads,
        tools=("terraform",) if terraform or target == "lint" else (),
        target=target,
    )


PYTHON_CHECKS: tuple[Check, ...] = (
    # CI runs the same command before its make targets.
    Check(UV_SYNC, command("uv", "sync", "--locked", "--quiet")),
    _target("pre-commit (all files)", "lint", needs_project_env=True),
    _target("pytest", "test", needs_project_env=True),
)

CI_CHECKS: tuple[Check, ...] = (
    _target(
        "CI files (JSON schema, zizmor)",
        "ci-lint",
        lambda answers: _ci(answers) != "none",
        reads=(".github/", ".gitlab-ci.yml"),
    ),
)


def _terraform(
    name: str,
    target: str,
    reads: tuple[str, ...] = ("infra/",),
    in_copy: bool = False,
    applies: Callable[[Mapping[str, object]], bool] = _has_aws,
) -> Check:
    return _target(name, target, applies, lane=TERRAFORM_LANE, reads=reads, in_copy=in_copy)


TERRAFORM_CHECKS: tuple[Check, ...] = (
    _terraform("terraform fmt", "infra-fmt", applies=_has_cloud),
    # GCP: no google provider offline, so dayone's schema check stands in for validate
    # (no make target: it is dayone code, like the IAM scan); validate and the modules'
    # tests run where the provider is installable, and are reported skipped otherwise.
    Check(
        "GCP schema (offline)",
        gcp_schema_check,
        _has_gcp,
        lane=TERRAFORM_LANE,
        reads=("infra/",),
    ),
    Check(
        "GCP IAM self-escalation (rendered bindings)",
        gcp_iam_self_escalation,
        _has_gcp,
        lane=TERRAFORM_LANE,
        reads=("infra/",),
    ),
    Check(
        "terraform validate+test (GCP, needs the google provider)",
        gcp_terraform_validate_and_test,
        _has_gcp,
        lane=TERRAFORM_LANE,
        reads=("infra/", "Makefile"),
        tools=("terraform",),
    ),
    # The modules are the same in every project of a template release: keyed on them alone.
    _terraform("terraform test (modules)", "infra-test", ("infra/modules/",), in_copy=True),
    _terraform("terraform validate (envs, bootstrap)", "infra-validate", in_copy=True),
    _terraform("checkov (infra/)", "infra-scan", applies=_has_cloud),
    # The emulated apply runs the project's own script in the project's environment; the
    # IAM scan then reads the plans it applied (and plans the other environments offline).
    Check(
        "terraform apply+destroy, emulated",
        terraform_emulated_apply,
        _has_aws,
        lane=EMULATOR_LANE,
        needs_project_env=True,
        reads=("infra/", "pyproject.toml", "uv.lock", "Makefile"),
        tools=("terraform",),
        target="infra-local",
    ),
    # dayone's own step: no make target (the scan is dayone code, see dayone.iam_scan).
    Check(
        "IAM policies (cloudsplaining, all envs)",
        iam_policy_scan,
        _has_aws,
        lane=EMULATOR_LANE,
        reads=("infra/",),
        tools=("terraform",),
    ),
)

ALL_CHECKS: tuple[Check, ...] = (
    *PYTHON_CHECKS,
    *CI_CHECKS,
    *TERRAFORM_CHECKS,
    Check(TREE_CHECK, tree_unchanged, lane=LAST),
)


def _cache_key(check: Check, context: CheckContext) -> str | None:
    options = context.options
    if not options.use_cache or check.reads is None:
        return None
    if options.out_dir is not None and check.action in (terraform_emulated_apply, iam_policy_scan):
        return None  # records (plans, outputs) were asked for: these steps write them
    if context.files is None:
        context.files = check_cache.project_files(context.project)
    settings = f"all_envs={options.all_envs}"
    return check_cache.key_for(
        context.project, check.name, check.reads, context.files, check.tools, context.env, settings
    )


def run_check(check: Check, context: CheckContext) -> CheckResult:
    started = time.monotonic()
    key = _cache_key(check, context)
    if key is not None and check_cache.passed_before(context.env, key):
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
        check_cache.remember_pass(context.env, key, check.name)
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


def run_checks(
    project: Path,
    checks: Sequence[Check] = ALL_CHECKS,
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
    checks = select(checks, only)
    answers = read_project_answers(project)
    applicable = [c for c in checks if c.applies(answers)]
    finished: dict[str, CheckResult] = {}
    report = threading.Lock()
    # Checks that need the project's environment wait until uv sync has run (or is not
    # among the selected checks, so the environment is taken as it is).
    project_env_ready = threading.Event()
    if not any(c.name == UV_SYNC for c in applicable):
        project_env_ready.set()

    with tempfile.TemporaryDirectory(prefix="dayone-check-") as scratch:
        context = CheckContext(
            project, answers, project_environment(env), Path(scratch), options or CheckOptions()
        )
        if any(c.name == TREE_CHECK for c in applicable):
            context.tree_before = _snapshot_or_none(project)

        running: dict[str, float] = {}  # step name -> when it started (monotonic)

        def run_lane(lane: str) -> None:
            try:
                for check in (c for c in applicable if c.lane == lane):
                    if check.needs_project_env:
                        project_env_ready.wait()
                    with report:
                        running[check.name] = time.monotonic()
                    result = run_check(check, context)
                    if check.name == UV_SYNC:
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
    return [finished[c.name] for c in applicable if c.name in finished]
