"""Shared fixtures: one rendered project per answer set, per test session."""

from __future__ import annotations

import fcntl
import os
import pickle
import resource
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from dayone.checks import ALL_CHECKS, CheckOptions, CheckResult, run_checks
from tests.support.project import ANSWER_SETS, ANSWER_SETS_DIR, REPO_ROOT, answer_set, render
from tests.support.pythons import find_python
from tests.support.template_copy import copy_template


def _python_env(version: str) -> dict[str, str]:
    """UV_PYTHON pointing at an interpreter of `version`; skip when this machine has none."""
    python = find_python(version)
    if python is None:
        # A fail, not a skip: the answer sets name the Pythons a project must work on, and a
        # skipped render would look green.
        pytest.fail(
            f"no Python {version} interpreter on this machine (uv downloads are off): "
            "install it (e.g. pyenv install) to test that answer set",
            pytrace=False,
        )
    return {"UV_PYTHON": python}


@pytest.fixture(scope="session", autouse=True)
def check_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """`dayone check` remembers passed steps; a test session starts with an empty memory, so
    every step runs at least once per session (and module tests once, not once per project).
    The xdist workers share it: a step one worker passed is not run again by the other."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "check-cache"
    shared.mkdir(exist_ok=True)
    os.environ["DAYONE_CHECK_CACHE"] = str(shared)
    # The projects' own `make infra-test` remembers its passes too, keyed on the modules and
    # terraform (the Makefile's PASSED_DIR): shared the same way, so a `make check` run as
    # the docs say (day two) finds the modules' pass of the session's first check.
    os.environ["PASSED_DIR"] = str(shared.with_name("make-passed"))


@pytest.fixture(scope="session")
def rendered_project(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], tuple[Path, dict[str, str]]]:
    """Render the named answer set once per session; return (project dir, env for its tools)."""
    cache: dict[str, tuple[Path, dict[str, str]]] = {}

    def get(name: str) -> tuple[Path, dict[str, str]]:
        if name not in cache:
            answers = answer_set(name)
            env = _python_env(str(answers.get("python_version", "3.11")))
            dest = tmp_path_factory.mktemp(f"render-{name}") / str(answers["project_name"])
            saved = {k: os.environ.get(k) for k in env}
            os.environ.update(env)
            try:
                result = render(dest, ANSWER_SETS_DIR / f"{name}.yml")
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
            assert result.exit_code == 0, result.output
            cache[name] = (dest, env)
        return cache[name]

    return get


# The answer sets whose check applies dev, staging and prod on the emulator: one per
# aws_accounts mode (the others apply dev; what differs between them is not the accounts).
# hostile-text is the per-environment one: an account per environment in another region, with
# text at its edges in every tag, name and budget, so one apply proves both (one emulated apply
# per distinct infrastructure, not one per answer set).
ALL_ENVS_APPLIED = ("defaults", "hostile-text")

# Steps an answer set leaves to the defaults' check, because what they read is the defaults'
# but for names. These sets change CI and accounts, not Python: their generated tests and
# the code under test equal the defaults' once names are made equal (pinned by
# tests/test_render.py::test_python_of_ci_and_account_sets_is_the_defaults_but_for_names), so
# running that suite again would prove nothing new. Their lint still runs: a name's length
# can break a line.
LEFT_TO_DEFAULTS: dict[str, tuple[str, ...]] = {
    name: ("pytest",) for name in ("gitlab", "gitlab-per-environment")
}

# Steps an answer set leaves to its CI pipeline, run job by job with gitlab-ci-local
# (tests/test_gitlab_pipeline_local.py): the merge-request pipeline's lint job runs the same
# `make lint` (pre-commit on every file) and `make ci-lint` in the same rendered project, after
# the same `uv sync --locked`, so the check does not run them a second time. (Its test job
# runs the project's pytest, which the check leaves to the defaults' above: pytest runs once
# for this set, in the pipeline.)
LEFT_TO_PIPELINE: dict[str, tuple[str, ...]] = {
    "gitlab": ("pre-commit (all files)", "CI files (JSON schema, zizmor)"),
}


# Steps the defaults' check leaves to the README's demo (tests/test_docs.py::
# test_readme_runs_as_written): the demo renders `dayone new --defaults`, which is this answer
# set but for the project's name (tests/test_render.py::test_the_demo_renders_the_defaults_
# answer_set pins it), and runs every step of `dayone check` on it. What only this check does
# stays: every environment applied and scanned as its CI roles, with the records the terraform
# tier reads (uv sync first, for the project's environment; the tree check last).
LEFT_TO_README_DEMO: dict[str, tuple[str, ...]] = {
    "defaults": (
        "pre-commit (all files)",
        "pytest",
        "CI files (JSON schema, zizmor)",
        "terraform fmt",
        "terraform test (modules)",
        "terraform validate (envs, bootstrap)",
        "checkov (infra/)",
    ),
}


# Steps an AWS answer set's check leaves to its own later steps: `terraform validate` of a
# root is the first thing every `terraform plan` of it does, and the emulated apply (dev, or
# every environment) and the IAM scan (the environments the apply left) plan each environment
# and the bootstrap with the same provider, keeping the plans (tests/test_generated_checks.py
# asserts that every root was planned). The README demo and day two run the target as written.
LEFT_TO_PLANS: dict[str, tuple[str, ...]] = {
    name: ("terraform validate (envs, bootstrap)",)
    for name in ("gitlab", "gitlab-per-environment", "hostile-text")
}


def left_out_of_check(name: str) -> tuple[str, ...]:
    """The steps the check of answer set `name` skips: each is proved elsewhere, once."""
    return (
        LEFT_TO_DEFAULTS.get(name, ())
        + LEFT_TO_PIPELINE.get(name, ())
        + LEFT_TO_README_DEMO.get(name, ())
        + LEFT_TO_PLANS.get(name, ())
    )


@dataclass(frozen=True)
class Checked:
    """A rendered project after its full `dayone check --all-envs`, and what the check kept:
    per environment the plan and outputs of the emulated apply, and the terraform log."""

    project: Path
    env: dict[str, str]
    results: list[CheckResult]
    records: Path


@pytest.fixture(scope="session")
def checked_project(
    rendered_project: Callable[[str], tuple[Path, dict[str, str]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], Checked]:
    """Run every check of an answer set once per session (the expensive step, shared by the
    tests that read its results). One answer set per aws_accounts mode applies and destroys
    every environment; the others apply dev (their staging and prod are planned offline)."""
    cache: dict[str, Checked] = {}
    # xdist workers share the check of an answer set: the first to need it runs it under a
    # file lock and leaves the result beside their temp folders; the others wait and read it.
    # (xdist_group marks do not keep a set's tests on one worker with this pytest/xdist.)
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "checked"
    shared.mkdir(exist_ok=True)

    def get(name: str) -> Checked:
        if name not in cache:
            with (shared / f"{name}.lock").open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                record = shared / f"{name}.pickle"
                if record.is_file():
                    cache[name] = pickle.loads(record.read_bytes())  # noqa: S301 - our own file
                else:
                    project, env = rendered_project(name)
                    records = tmp_path_factory.mktemp(f"records-{name}")
                    options = CheckOptions(all_envs=name in ALL_ENVS_APPLIED, out_dir=records)
                    left = left_out_of_check(name)
                    only = [c.name for c in ALL_CHECKS if c.name not in left] if left else []
                    results = run_checks(project, env=env, options=options, only=only)
                    cache[name] = Checked(project, env, results, records)
                    record.write_bytes(pickle.dumps(cache[name]))
        return cache[name]

    return get


@pytest.fixture(scope="session")
def fast_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This checkout's template as a plain folder (not a git repository), so copier renders it
    in place instead of cloning: answer-validation tests then take a fraction of a second."""
    root = tmp_path_factory.mktemp("template-copy") / "dayone"
    root.mkdir()
    # Only what git ships (tracked, or untracked and not ignored): a `.terraform/` left in a
    # module by a plain `terraform init` must not reach the rendered projects.
    copy_template(REPO_ROOT, root)
    return str(root)


@pytest.fixture(scope="session")
def rendered_only(
    fast_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Path]:
    """An answer set rendered, with `overrides` of its answers (no lock, no commit, no check
    run): once per session for the tests that only read the files."""
    from tests.support.answer_checks import try_render
    from tests.support.project import answer_set

    made: dict[tuple[str, tuple[tuple[str, str], ...]], Path] = {}

    def render(name: str, **overrides: str) -> Path:
        key = (name, tuple(sorted(overrides.items())))
        if key not in made:
            suffix = "".join(f"-{k}-{v}" for k, v in key[1])
            dest = tmp_path_factory.mktemp(f"rendered-{name}{suffix}") / "project"
            assert try_render(fast_template, dest, {**answer_set(name), **overrides}) is None
            made[key] = dest
        return made[key]

    return render


# ---- what each tier proved: a summary after the run ---------------------------------------

TIERS = {
    "fast": "render and inspect: validators, rendered files, CLI errors, doctor, updates "
    "and their conflicts, the docs' small promises",
    "slow": "generated projects pass their own checks; the wheel installs as a tool and "
    "renders; the docs' commands run as written",
    "terraform": "modules' terraform tests, validate and offline plans of generated infra",
}
_outcomes: dict[str, dict[str, int]] = {tier: {} for tier in TIERS}
# Seconds spent in each tier's tests (setup, call and teardown, summed over the workers): the
# share of the suite's time each tier costs, which the wall time alone does not show.
_seconds: dict[str, float] = {tier: 0.0 for tier in TIERS}
# CPU seconds each tier costs (the worker's own and its finished child processes': renders,
# terraform, the generated projects' tools). Wall seconds overlap while a test waits on an
# emulator; CPU seconds are what the two cores must find, so they say where to cut.
_cpu: dict[str, float] = {tier: 0.0 for tier in TIERS}
_cpu_by_test: dict[str, float] = {}
# Per xdist worker, when each of its tests started and stopped (setup to teardown): how well
# the workers were kept busy, and which test ran last, which per-test totals do not show.
_spans: dict[str, dict[str, list[float]]] = {}
# Longest tier first: with the slow tier's few long tests started first, the fast tier's many
# short ones fill the workers at the end instead of one long test running alone.
TIER_ORDER = {"slow": 0, "terraform": 1, "fast": 2}
# Within the slow tier, the longest tests first, in this order (wall seconds measured in the
# full run, the run's `workers over` summary): a long test started last would run alone while
# the other workers idle. xdist keeps this order (--no-loadscope-reorder in pyproject.toml).
LONGEST_FIRST = (
    "tests/test_docs.py::test_day_two_runs_as_the_docs_say",  # about 740 s
    "tests/test_docs.py::test_readme_runs_as_written",  # 230 s
    "tests/test_answers_property.py::test_accepted_drawn_answers_give_a_green_project",  # 200 s
    "tests/test_fourth_environment.py::test_a_fourth_environment_renders",  # 200 s
)


# The quick tier (`scripts/dev.py test --quick`, `pytest --quick`) for the inner loop: the fast
# tier on the answer sets that cover both clouds-or-none and both CI systems, without the
# update scenarios and the Hypothesis searches (the full suite runs those).
QUICK_ANSWER_SETS = {"defaults", "cloud-none", "gitlab"}
QUICK_SKIPS_MODULES = {"test_update.py", "test_answers_property.py"}


# Thread counts of the math libraries a generated project loads (see pytest_configure).
MATH_LIBRARY_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def pytest_configure(config: pytest.Config) -> None:
    # With PYTHONDONTWRITEBYTECODE set (this machine sets it), every Python process the suite
    # starts (a project's pytest, its CLI, checkov, mypy) compiled sklearn, pandas and MLflow
    # from source again: 10-15 s each, about a third of a generated test run. The suite's
    # environments are throwaway, so let them keep their bytecode.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    # Terraform and the aws provider are Go programs that spend much of their CPU collecting
    # garbage while they build the provider's schema (every plan, validate and test run block
    # loads it). With the collector run at four times the heap instead of twice, a `terraform
    # validate` takes 1.5 CPU-s instead of 2.1 and a module's `terraform test` 4.5 instead of
    # 5.8, for about 100 MB more at its peak. The suite runs terraform some thousand times on
    # two cores, so it keeps that setting unless the machine has its own.
    os.environ.setdefault("GOGC", "400")
    # The suite runs three workers on two cores, each starting projects' Python processes
    # (pytest, train, benchmark). numpy's OpenBLAS and scikit-learn's OpenMP start a thread per
    # core and spin-wait between calls, so on a busy machine their threads burn the CPU the
    # other workers need: one thread each cut a default project's test run from about 26.5 to
    # 24.4 CPU-s, same results. Same rule as GOGC: a machine's own setting wins.
    for threads in MATH_LIBRARY_THREADS:
        os.environ.setdefault(threads, "1")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quick",
        action="store_true",
        help="the quick tier: fast tests on a few answer sets, in under two minutes",
    )


def _quick(item: pytest.Item) -> bool:
    markers = {marker.name for marker in item.iter_markers()}
    if markers & {"slow", "terraform"} or item.path.name in QUICK_SKIPS_MODULES:
        return False
    params = getattr(item, "callspec", None)
    values = params.params.values() if params else ()
    sets = {v for v in values if isinstance(v, str) and v in ANSWER_SETS}
    return sets <= QUICK_ANSWER_SETS


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tag each test with its tier, from its markers (reports carry it across xdist); with
    --quick, keep the quick tier only."""
    if config.getoption("--quick"):
        kept = [item for item in items if _quick(item)]
        config.hook.pytest_deselected(items=[item for item in items if not _quick(item)])
        items[:] = kept
    for item in items:
        markers = {marker.name for marker in item.iter_markers()}
        tier = "terraform" if "terraform" in markers else "slow" if "slow" in markers else "fast"
        item.user_properties.append(("tier", tier))
    items.sort(key=_run_order)


def _run_order(item: pytest.Item) -> tuple[int, int]:
    tier = TIER_ORDER[str(dict(item.user_properties)["tier"])]
    longest = [i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)]
    return tier, longest[0] if longest else len(LONGEST_FIRST)


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


_CPU_MARK = pytest.StashKey[float]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """Attach to each phase's report (setup, call, teardown) the CPU seconds it took: reports
    carry user properties from the xdist workers to the controller that sums them."""
    report = yield
    now = _cpu_seconds()
    spent = now - item.stash.get(_CPU_MARK, now)
    item.stash[_CPU_MARK] = now
    report.user_properties = [*report.user_properties, ("cpu", spent)]
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_CPU_MARK] = _cpu_seconds()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    properties = dict(report.user_properties)
    tier = str(properties.get("tier", "fast"))
    _seconds[tier] += report.duration
    cpu = float(properties.get("cpu", 0.0))  # type: ignore[arg-type]
    _cpu[tier] += cpu
    _cpu_by_test[report.nodeid] = _cpu_by_test.get(report.nodeid, 0.0) + cpu
    worker = getattr(getattr(report, "node", None), "gateway", None)
    span = _spans.setdefault(getattr(worker, "id", "main"), {}).setdefault(
        report.nodeid, [report.start, report.stop]
    )
    span[0], span[1] = min(span[0], report.start), max(span[1], report.stop)
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        tier = str(dict(report.user_properties).get("tier", "fast"))
        counts = _outcomes[tier]
        counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if hasattr(terminalreporter.config, "workerinput"):
        return  # xdist workers: the controller reports
    ran = {tier: counts for tier, counts in _outcomes.items() if counts}
    if not ran:
        return
    terminalreporter.section("what each tier proved")
    for tier, counts in ran.items():
        detail = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        verdict = "proved" if not counts.get("failed") else "FAILED to prove"
        terminalreporter.write_line(
            f"{tier:<9} {detail:<28} {_seconds[tier]:>6.0f} s {_cpu[tier]:>6.0f} CPU-s  "
            f"{verdict}: {TIERS[tier]}"
        )
    total = {k: sum(c.get(k, 0) for c in ran.values()) for k in ("passed", "failed", "skipped")}
    terminalreporter.write_line(
        f"summary: {total['passed']} passed, {total['failed']} failed, "
        f"{total['skipped']} skipped across tiers {', '.join(ran)}"
    )
    costliest = sorted(_cpu_by_test.items(), key=lambda kv: kv[1], reverse=True)[:15]
    terminalreporter.write_line("costliest tests in CPU seconds (setup, call and teardown):")
    for nodeid, cpu in costliest:
        terminalreporter.write_line(f"{cpu:>7.0f}  {nodeid}")
    _report_workers(terminalreporter)


def _report_workers(terminalreporter: pytest.TerminalReporter) -> None:
    """Each worker's busy seconds and its idle time before the last worker finished, and the
    tests that ended last; with DAYONE_TEST_TIMELINE set, every test's span and CPU seconds into
    that file."""
    spans = [(w, *span, nodeid) for w, tests in _spans.items() for nodeid, span in tests.items()]
    if not spans:
        return
    first = min(start for _, start, _, _ in spans)
    last = max(stop for _, _, stop, _ in spans)
    terminalreporter.write_line(f"workers over {last - first:.0f} s from the first test's start:")
    for worker in sorted(_spans):
        mine = [(start, stop) for w, start, stop, _ in spans if w == worker]
        busy = sum(stop - start for start, stop in mine)
        done = max(stop for _, stop in mine)
        terminalreporter.write_line(
            f"  {worker:<5} busy {busy:>5.0f} s, {len(mine):>4} tests, idle at the end "
            f"{last - done:>4.0f} s"
        )
    terminalreporter.write_line("ended last:")
    for worker, start, stop, nodeid in sorted(spans, key=lambda s: s[2])[-3:]:
        terminalreporter.write_line(
            f"  {worker:<5} {start - first:>5.0f} s to {stop - first:>5.0f} s  {nodeid}"
        )
    timeline = os.environ.get("DAYONE_TEST_TIMELINE")
    if timeline:
        rows = sorted(spans, key=lambda s: s[1])
        Path(timeline).write_text(
            "".join(
                f"{w}\t{a - first:.1f}\t{b - first:.1f}\t{n}\t{_cpu_by_test.get(n, 0.0):.1f}\n"
                for w, a, b, n in rows
            ),
            encoding="utf-8",
        )
