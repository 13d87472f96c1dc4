"""Docs that run: every shell command of README.md, docs/quickstart.md and the generated
README, run as written by a reader with only what the doc told them to install.

Fast tier: the not-run list is pinned and names commands that exist; the small promises
(plain copier, `make help`, `make setup` without uv, the example rows). Slow tier: each
document's commands, in order, in one shell (tests/support/docs.py).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from dayone import hcl_eval
from dayone.checks.cache import CACHE_ENV_VAR
from dayone.template_source import stamp_release
from tests.conftest import LEFT_TO_README_DEMO, MATH_LIBRARY_THREADS
from tests.support.docs import (
    NOT_RUN,
    PLACEHOLDERS,
    RAN_JUST_BEFORE,
    RUN_LATER,
    SERVERS,
    Command,
    document_commands,
    fresh_path,
    run_script,
    script,
)
from tests.support.project import REPO_ROOT, read_answers
from tests.support.releases import commit_release, git, replace_line

Rendered = Callable[[str], tuple[Path, dict[str, str]]]
GENERATED = "generated README.md"
REPO_DOCS = ("README.md", "docs/quickstart.md")
WINE_FEATURES = [
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "total_phenols",
    "flavanoids",
    "nonflavanoid_phenols",
    "proanthocyanins",
    "color_intensity",
    "hue",
    "od280/od315_of_diluted_wines",
    "proline",
]


def _commands(doc: str, project: Path | None = None) -> list[Command]:
    return document_commands(project / "README.md" if project else REPO_ROOT / doc)


# ---- fast: the list of what is not run, and the small promises ------------------------------


def test_not_run_list_is_pinned() -> None:
    """Adding a command to the not-run list is a decision: it shows up in review here."""
    assert sorted(NOT_RUN) == sorted(
        [
            ("README.md", "python3 scripts/dev.py test"),
            ("docs/quickstart.md", "make infra-plan ENV=dev"),
            (GENERATED, "export AWS_PROFILE=my-dev-profile"),
            (GENERATED, "make infra-bootstrap ENV=dev"),
            (GENERATED, "make infra-plan ENV=dev"),
            (GENERATED, "make infra-apply ENV=dev"),
            (GENERATED, "make upload-data ENV=staging"),
            (GENERATED, "make train ENV=staging"),
            (GENERATED, "make promote RUN=RUN_ID ENV=staging"),
            (GENERATED, "make serve ENV=staging"),
            (GENERATED, "make rollback ENV=staging"),
        ]
    )
    assert sorted(RAN_JUST_BEFORE) == [
        (GENERATED, "make infra-local ENV=dev"),
        (GENERATED, "make setup"),
    ]
    assert sorted(RUN_LATER) == [
        ("docs/quickstart.md", "make check"),
        ("docs/quickstart.md", "make infra-local ENV=dev"),
        (GENERATED, "dayone update"),
    ]
    assert sorted(SERVERS) == [
        (GENERATED, "make serve"),
        (
            GENERATED,
            "uv run --isolated --group ui mlflow ui --backend-store-uri "
            "sqlite:///mlruns/mlflow.db --workers 1",
        ),
    ]
    assert sorted(PLACEHOLDERS) == ["RUN_ID"]
    reasons = [*NOT_RUN.values(), *RAN_JUST_BEFORE.values(), *RUN_LATER.values()]
    assert all(reason.strip() for reason in [*reasons, *PLACEHOLDERS.values()])


def test_every_listed_command_is_in_its_document(rendered_project: Rendered) -> None:
    project, _env = rendered_project("defaults")
    keys = {doc: {c.key for c in _commands(doc)} for doc in REPO_DOCS}
    keys[GENERATED] = {c.key for c in _commands(GENERATED, project)}
    for doc, command in [*NOT_RUN, *RAN_JUST_BEFORE, *RUN_LATER, *SERVERS]:
        assert command in keys[doc], f"{doc} no longer has `{command}`: drop it from the list"


def test_docs_have_commands_to_run(rendered_project: Rendered) -> None:
    project, _env = rendered_project("defaults")
    for doc in REPO_DOCS:
        assert len(_commands(doc)) >= 5, doc
    generated = {c.key for c in _commands(GENERATED, project)}
    slug = read_answers(project)["project_slug"]
    assert f"uv run {slug} predict examples/rows.csv -o outputs/predictions.csv" in generated
    assert f"uv run {slug} evaluate" in generated


def test_plain_copier_command_works_as_written(tmp_path: Path) -> None:
    """README: `copier copy --defaults . plain-model`, with no project_name given."""
    copier = Path(sys.executable).with_name("copier")
    result = subprocess.run(
        [str(copier), "copy", "--defaults", "--vcs-ref", "HEAD", str(REPO_ROOT), "plain-model"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers = read_answers(tmp_path / "plain-model")
    assert answers["project_name"] == "plain-model"
    assert answers["project_slug"] == "plain-model"


def test_generated_readme_documents_infra_and_examples(rendered_project: Rendered) -> None:
    project, _env = rendered_project("defaults")
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "## Infrastructure" in readme
    for needed in ("make infra-local ENV=dev", "make infra-bootstrap ENV=dev", "AWS_PROFILE"):
        assert needed in readme
    assert "http://127.0.0.1:5000" in readme
    header = (project / "examples" / "rows.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == WINE_FEATURES


def test_readme_curl_sends_the_shipped_example_row(rendered_project: Rendered) -> None:
    """The README's requests to the served model: the first row of examples/rows.csv as it
    ships, then the same row with a word for a number (the 422 example)."""
    project, _env = rendered_project("defaults")
    curls = [c.text for c in _commands(GENERATED, project) if c.text.startswith("curl ")]
    assert len(curls) == 2, curls
    bodies = [json.loads(re.search(r"-d '([^']+)'", curl)[1]) for curl in curls]  # type: ignore[index]
    header, first = (project / "examples" / "rows.csv").read_text(encoding="utf-8").splitlines()[:2]
    row = dict(zip(header.split(","), map(float, first.split(",")), strict=True))
    assert bodies[0] == {"rows": [row]}
    assert bodies[1] == {"rows": [{**row, "alcohol": "high"}]}
    assert all("/predict" in curl for curl in curls)


def test_outputs_of_documented_commands_are_ignored(rendered_project: Rendered) -> None:
    """What the README's commands write (predictions, MLflow's store) is git-ignored."""
    project, _env = rendered_project("defaults")
    written = ["outputs/predictions.csv", "mlruns/mlflow.db", "mlruns/1/artifacts/model.skops"]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *written],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert ignored == written
    keys = {c.key for c in _commands(GENERATED, project)}
    slug = read_answers(project)["project_slug"]
    assert f"uv run {slug} predict examples/rows.csv -o outputs/predictions.csv" in keys


def test_the_mlflow_ui_is_the_locked_mlflow(rendered_project: Rendered) -> None:
    """The README starts the UI from the project's lock (group `ui`), whose full mlflow is
    the version of the tracking client that writes the runs."""
    project, _env = rendered_project("defaults")
    commands = [c.key for c in _commands(GENERATED, project) if "mlflow ui" in c.key]
    assert commands == [
        "uv run --isolated --group ui mlflow ui --backend-store-uri sqlite:///mlruns/mlflow.db "
        "--workers 1"
    ]
    lock = (project / "uv.lock").read_text(encoding="utf-8")
    versions = dict(re.findall(r'(?m)^name = "(mlflow(?:-skinny)?)"\nversion = "([^"]+)"', lock))
    assert set(versions) == {"mlflow", "mlflow-skinny"}, versions
    assert versions["mlflow"] == versions["mlflow-skinny"]


def _interpolated(expression: str, values: dict[str, str]) -> str:
    """A Terraform string template of `${var.x}` / `${local.x}` references, evaluated."""
    return re.sub(r"\$\{(?:var|local)\.(\w+)\}", lambda m: values[m[1]], expression)


@pytest.mark.parametrize("name", ["defaults", "gcp"])
def test_readme_names_the_state_bucket_the_terraform_uses(
    rendered_project: Rendered, name: str
) -> None:
    """The state bucket the README tells a reader about is the one each environment's backend
    reads and the bootstrap creates (the README once said <slug>-<env>, the code <slug>--<env>)."""
    project, _env = rendered_project(name)
    readme = (project / "README.md").read_text(encoding="utf-8")
    quoted = re.findall(r"`([^`\s]*<env>[^`\s]*-tfstate)`", readme)
    assert len(quoted) == 1, quoted
    bootstrap = (project / "infra" / "bootstrap" / "main.tf").read_text(encoding="utf-8")
    created = re.search(
        r'(?m)^\s*bucket_name\s*=\s*("[^"]+"|module\.names\.state_bucket)', bootstrap
    )
    assert created, "infra/bootstrap/main.tf names no bucket_name"
    for env in ("dev", "staging", "prod"):
        expected = quoted[0].replace("<env>", env)
        backend = (project / "infra" / "envs" / env / "backend.tf").read_text(encoding="utf-8")
        assert re.search(r'(?m)^\s*bucket\s*=\s*"([^"]+)"', backend)[1] == expected  # type: ignore[index]
        tfvars = json.loads(
            (project / "infra" / "envs" / env / "terraform.tfvars.json").read_text("utf-8")
        )
        if created[1].startswith("module.names"):
            # AWS: every name of bootstrap and stack comes from infra/names, evaluated here.
            names = hcl_eval.root_instance(
                project / "infra" / "names",
                {
                    "project": tfvars["project"],
                    "environment": env,
                    "environments": tfvars["environments"],
                },
            )
            assert hcl_eval.ModuleValue(names).get("state_bucket") == expected, env
            continue
        values = {key: str(value) for key, value in tfvars.items()}
        if "project_prefix" in values:  # GCP: each environment is the project <prefix>-<env>
            values["project_id"] = f"{values['project_prefix']}-{env}"
        assert _interpolated(created[1].strip('"'), values) == expected, env


def test_python_only_readme_has_no_infra_section(rendered_project: Rendered) -> None:
    project, _env = rendered_project("cloud-none")
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "## Infrastructure" not in readme
    assert "infra-" not in readme


def _make(project: Path, target: str, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", target],
        cwd=project,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")
def test_make_help_prints_no_make_variables(rendered_project: Rendered) -> None:
    project, _env = rendered_project("defaults")
    result = _make(project, "help", os.environ["PATH"])
    assert result.returncode == 0, result.stderr
    assert "$(" not in result.stdout
    assert "configs/<ENV>.yaml" in result.stdout
    # The Terraform checks' remembered passes: where they are, and how to run a check again.
    assert "make-passed/ (empty files; delete them at will): FORCE=1 runs one" in result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")
def test_make_setup_without_uv_says_how_to_get_it(rendered_project: Rendered) -> None:
    project, _env = rendered_project("defaults")
    path = fresh_path(project.parent / "no-uv", {})
    assert shutil.which("uv", path=path) is None, "uv is on the system PATH; cannot test"
    result = _make(project, "setup", path)
    assert result.returncode != 0
    said = [line for line in result.stdout.splitlines() if line.strip()]
    assert said == [
        "make setup: uv is not on PATH; get it with: python3 -m pip install --user uv "
        "(or pipx install uv)"
    ]


# ---- slow: each document's commands, as written ----------------------------------------------


def _reader_env(tmp_path: Path, tools: dict[str, str]) -> dict[str, str]:
    """A reader's shell: system PATH plus `tools`, a fresh HOME. Download caches are shared
    with this machine (they change speed, not behaviour); DAYONE_TF_MIRROR is what
    `dayone doctor` tells an offline reader to export."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    real_home = Path.home()
    env = {
        "PATH": fresh_path(tmp_path, tools),
        "HOME": str(home),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(real_home / ".cache" / "uv")),
        "PRE_COMMIT_HOME": os.environ.get(
            "PRE_COMMIT_HOME", str(real_home / ".cache" / "pre-commit")
        ),
        "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(real_home / ".cache")),
        "PIP_CACHE_DIR": str(real_home / ".cache" / "pip"),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
    }
    # The machine's network settings (proxy, certificates, package index) are the reader's
    # too; they change how downloads connect, not what is on PATH. So are the Go collector's
    # and the math libraries' thread settings the suite gives its processes
    # (tests/conftest.py): they change speed, not behaviour.
    network = ("PROXY", "SSL_", "CERT", "CA_BUNDLE", "PIP_", "UV_INDEX", "UV_NATIVE_TLS")
    machine = {"DAYONE_TF_MIRROR", "GOGC", *MATH_LIBRARY_THREADS}
    for key, value in os.environ.items():
        if key in machine or any(part in key.upper() for part in network):
            env.setdefault(key, value)
    return env


def _run_commands(doc: str, cmds: list[Command], cwd: Path, env: dict[str, str],
                  timeout: float, *, chosen: bool = False,
                  **options: Any) -> tuple[int, str]:  # fmt: skip
    """Run `doc`'s commands as written (but those not run, with their reasons): (exit, output).
    `chosen`: commands a scenario picked to run now, listed or not. `options` go to
    tests.support.docs.script (placeholder values, the git status to keep)."""
    skip = {} if chosen else {**NOT_RUN, **RAN_JUST_BEFORE, **RUN_LATER}
    text, skipped = script(doc, cmds, skip, logs=cwd.parent, **options)
    returncode, output = run_script(text, cwd, env, timeout)
    print(f"{doc}: not run: {skipped}")
    return returncode, output


def _run_doc(doc: str, cmds: list[Command], cwd: Path, env: dict[str, str],
             timeout: float, **options: Any) -> str:  # fmt: skip
    """Like _run_commands, for a document that must run through: its output."""
    returncode, output = _run_commands(doc, cmds, cwd, env, timeout, **options)
    assert returncode == 0, f"{doc} failed as written:\n{output[-6000:]}"
    return output


def _clone_checkout(tmp_path: Path) -> Path:
    """This checkout as a reader's clone (tracked and new files, local edits included, all
    committed), with the environments scripts/dev.py already built linked in, so `dev.py` finds them
    current instead of spending minutes installing them again."""
    clone = tmp_path / "dayone"
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        source = REPO_ROOT / rel
        target = clone / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(source.readlink())
        elif source.is_file():
            shutil.copy2(source, target)
    # A clone is a git repository: the demo renders its HEAD, as it would in a real clone.
    identity = ["-c", "user.name=Docs Test", "-c", "user.email=docs-test@example.com"]
    for args in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "clone"]):
        subprocess.run(["git", *identity, *args], cwd=clone, check=True, capture_output=True)
    (clone / ".venv").symlink_to(REPO_ROOT / ".venv")
    # The clone's dev.py must find the linked environments current: were it to reinstall,
    # it would point this checkout's .venv at the throwaway clone.
    spec = importlib.util.spec_from_file_location("clone_dev", clone / "scripts" / "dev.py")
    assert spec is not None and spec.loader is not None
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    if not all(dev.is_current(*environment) for environment in dev.environments()):
        pytest.skip("this checkout's environments are not current: run scripts/dev.py first")
    return clone


@pytest.mark.slow
def test_readme_runs_as_written(tmp_path: Path) -> None:
    clone = _clone_checkout(tmp_path)
    env = _reader_env(tmp_path, {})
    # The session's check cache (tests/conftest.py), as a reader's second demo would have its
    # own: a step whose inputs another check of this session passed is not run again. Only
    # the modules' terraform tests can match (keyed on infra/modules/, the same in every
    # project); the demo project's name is its own, so every other step runs here.
    env[CACHE_ENV_VAR] = os.environ[CACHE_ENV_VAR]
    said = _run_doc("README.md", _commands("README.md"), clone, env, 1800)
    assert "demo: the default project is green" in said, said[-3000:]
    # The defaults' own check left these steps to this demo (tests/conftest.py).
    proven = set(re.findall(r"(?m)^    proven: (.+) \([\d.]+s\)$", said))
    assert set(LEFT_TO_README_DEMO["defaults"]) <= proven, proven


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _status(project: Path) -> str:
    return git(project, "status", "--porcelain", "--untracked-files=all").rstrip("\n")


def _said_by(output: str, command: str) -> str:
    """What the runner printed after echoing `$ command ...` and before the next echo."""
    said = re.search(rf"(?ms)^\$ {re.escape(command)}[^\n]*\n(.*?)(?=^\$ |\Z)", output)
    assert said, f"`{command}` was not run"
    return said[1]


def _readme_command(project: Path, key: str) -> Command:
    """The README's own command with this key: the scenario runs nothing the README lacks."""
    found = [c for c in _commands(GENERATED, project) if c.key == key]
    assert found, f"the generated README has no `{key}`"
    return found[0]


def _record_template(project: Path, repository: Path, tag: str) -> None:
    """Record `repository` at `tag` as the project's template, as a project rendered from it
    holds it: `.copier-answers.yml` and `infra/VERSION` name the template's commit. (The
    project was rendered from this checkout, whose files are that tag's; dirty, copier had
    recorded a commit of its own making, which exists nowhere.)"""
    recorded = str(read_answers(project)["_commit"])
    stamp_release(project, str(repository), tag)
    version = project / "infra" / "VERSION"
    if version.is_file():
        version.write_text(version.read_text(encoding="utf-8").replace(recorded, tag), "utf-8")
    git(project, "commit", "--quiet", "--all", "-m", f"Template: the team's repository, {tag}")


@pytest.mark.slow
def test_day_two_runs_as_the_docs_say(tmp_path: Path) -> None:
    """A reader's first two days, every command as the docs print it, in one project.

    Day one: the quickstart in a clone (create the project, set up, train; its `make check`
    runs on day two, RUN_LATER). Day two: an uncommitted edit of a production module; then
    the generated README from the top in that project: `make check` green with the edit, a
    commented run that `runs` shows, predictions on the shipped rows, day one's run promoted
    and served (`make serve`, the README's two curls: 200 and 422), the MLflow UI's page
    fetched, and `git status` after every command showing the edit and nothing else. Then the
    work is committed, the template gets a release that changes the line the user edited,
    and the README's `dayone update` reports the conflict, exits 1 and loses nothing; the
    conflict resolved, the README's `make check` is green again, its Terraform steps remembered
    from the first (the update left what they read as it was).

    The clone is the team's template repository: the project records it at tag v1.0.0 (as a
    project rendered from that repository would) and the release is its tag v1.1.0.
    """
    clone = _clone_checkout(tmp_path)
    quickstart = "docs/quickstart.md"
    said = _run_doc(quickstart, _commands(quickstart), clone, _reader_env(tmp_path, {}), 1800)
    project = clone / "projects" / "churn-model"
    day_one = re.search(r"(?m)^run ([0-9a-f]{32}) recorded in experiment", said)
    assert day_one, said[-3000:]
    assert _status(project) == ""

    # ---- day two: an edit, left uncommitted, then the README from the top -------------------
    module = project / "src" / "churn_model" / "preprocess.py"
    first_line = module.read_text(encoding="utf-8").splitlines()[0]
    edited = first_line.replace('"""', '"""Day two: ', 1)
    replace_line(module, 0, edited, expect_prefix='"""')
    edit = " M src/churn_model/preprocess.py"
    assert _status(project) == edit

    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    dayone = clone / ".venv" / "bin" / "dayone"
    # The quickstart's shell: its .venv/bin on PATH (uv and dayone), no virtualenv active.
    env = _reader_env(tmp_path, {"uv": uv, "dayone": str(dayone)})
    env |= {"PORT": str(_free_port()), "MLFLOW_PORT": str(_free_port())}
    # The session's memory of passed checks, as in the demo: the modules' terraform tests
    # (keyed on infra/modules/ and terraform, the same in every project) pass once per
    # session, not here again (`make check` keeps the pass in the Makefile's PASSED_DIR,
    # `dayone check` in its cache). Every other step reads what the edit, the template
    # release or the project's name changed.
    env[CACHE_ENV_VAR] = os.environ[CACHE_ENV_VAR]
    env["PASSED_DIR"] = os.environ["PASSED_DIR"]
    # `make benchmark` as written, at the smallest size that still fits slices in both modes:
    # its default size (about 100 CPU-s) shows a speedup, which is the benchmark's business
    # (the generated project's tests run its script too), not this walk-through's.
    env["BENCHMARK_ARGS"] = "--slices 2 --rows 2000 --features 10 --repeats 1"
    readme = _commands(GENERATED, project)
    said = _run_doc(
        GENERATED, readme, project, env, 2400, values={"RUN_ID": day_one[1]}, status=edit
    )
    # `make check` ran with the edit uncommitted, the emulated apply of dev among its steps.
    assert "infra/local/apply_destroy.py --env dev" in said
    assert re.search(r"(?m)^ok\s+dev: applied \d+ resources and destroyed them", said)
    assert "the checks changed the tree" not in said
    assert "why this run" in _said_by(said, "uv run churn-model runs")
    predictions = (project / "outputs" / "predictions.csv").read_text(encoding="utf-8")
    assert predictions.splitlines()[0].startswith("prediction,probability_")
    assert len(predictions.splitlines()) == 4  # header and the three example rows
    assert re.search(r"(?m)^speedup: [\d.]+x with \d+ processes", _said_by(said, "make benchmark"))
    promoted = _said_by(said, f"make promote RUN={day_one[1]}")
    assert f"churn-model@dev: version 1 (run {day_one[1]})" in promoted, promoted
    good, bad = (_said_by(said, c.text) for c in readme if c.text.startswith("curl "))
    assert "\nHTTP 200\n" in good and '"predictions":' in good, good
    assert "\nHTTP 422\n" in bad and '"detail":"rows[0].alcohol:' in bad, bad
    assert re.search(r"docs: http://127\.0\.0\.1:\d+/ answered 200 .*<title>MLflow", said), said
    assert "does not match the project environment path" not in said  # no VIRTUAL_ENV noise
    # The UI left .venv as `uv sync` made it: the full mlflow there would share mlflow-skinny's
    # files, and the next `uv sync` (make setup, dayone check) would remove both.
    assert not list((project / ".venv").glob("lib/python*/site-packages/mlflow-[0-9]*")), (
        "the MLflow UI installed the full mlflow into .venv"
    )

    # ---- the work committed; a template release changes the line the user edited -----------
    git(project, "commit", "--quiet", "--all", "-m", "Day two: preprocess docstring")
    day_two = git(project, "rev-parse", "HEAD").strip()
    git(clone, "tag", "v1.0.0")
    template_module = clone / "template" / "src" / "{{package_name}}" / "preprocess.py"
    released = first_line.replace('"""', '"""Released: ', 1)
    replace_line(template_module, 0, released, expect_prefix='"""')
    commit_release(clone, "v1.1.0")
    _record_template(project, clone, "v1.0.0")

    update = _readme_command(project, "dayone update")
    code, said = _run_commands(GENERATED, [update], project, env, 900, chosen=True)
    assert code == 1, said[-3000:]
    assert "conflict  src/churn_model/preprocess.py" in said
    assert "the update left conflicts in 1 file(s): src/churn_model/preprocess.py" in said
    merged = module.read_text(encoding="utf-8")
    assert "<<<<<<< before updating" in merged and ">>>>>>> after updating" in merged
    assert edited in merged and released in merged  # nothing lost: both sides are there
    assert git(project, "log", "-1", "--format=%H", "HEAD~1").strip() == day_two
    # The update's own changes, the conflict among them, and nothing else touched.
    changed = _status(project).splitlines()
    assert "UU src/churn_model/preprocess.py" in changed, changed
    assert set(changed) <= {
        "UU src/churn_model/preprocess.py",
        " M .copier-answers.yml",
        " M infra/VERSION",
        " M uv.lock",
    }, changed
    assert (project / "outputs" / "predictions.csv").is_file()

    # ---- resolved (the user's line kept), the README's make check is green again -----------
    lines = merged.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("<<<<<<<"))
    end = next(i for i, line in enumerate(lines) if line.startswith(">>>>>>>"))
    module.write_text("".join([*lines[:start], edited + "\n", *lines[end + 1 :]]), "utf-8")
    git(project, "add", "src/churn_model/preprocess.py")
    check = _readme_command(project, "make check")
    said = _run_doc(GENERATED, [check], project, env, 1800, chosen=True)
    # The update rewrote the code, infra/VERSION and the lock, not what the Terraform steps
    # read: the passes of day two's first `make check` hold, and none of them runs again.
    for target in ("infra-validate", "infra-scan", "infra-local", "infra-iam-scan"):
        assert f"{target}: passed before on these exact inputs" in said, said[-3000:]
    assert "uv run pytest" in said and "uv run pre-commit run --all-files" in said
    git(project, "commit", "--quiet", "--all", "-m", "Template v1.1.0, conflict resolved")
    assert _status(project) == ""
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v1.1.0"
