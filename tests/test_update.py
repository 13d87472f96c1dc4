"""`dayone update`: template releases reach existing projects, edits survive, conflicts are loud.

The tests build a throwaway copy of this template with two releases, v1.0.0 (the template as
it is) and v1.1.0 (a change typical of a release in several files), render projects at the
old tag exactly as users do, and update them.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from dayone.cli import app
from dayone.updating import find_conflicts, newest_release, parse_version
from tests.support.project import REPO_ROOT
from tests.support.pythons import find_python
from tests.support.releases import GIT_IDENTITY
from tests.support.releases import append as _append
from tests.support.releases import git as _git
from tests.support.releases import replace_line as _replace_line

OLD, NEW = "v1.0.0", "v1.1.0"
RELEASE_NOTE = "release 1.1.0"
# What dayone renders once and never updates (copier.yml: _skip_if_exists and _exclude).
TEAM_OWNED_PREFIXES = ("README.md", "LICENSE", "experiments/", "configs/")
# Infrastructure is a separate piece of work; the tfvars part runs once it exists.
TFVARS = "infra/envs/dev/terraform.tfvars.json"

runner = CliRunner()


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)


# ---- the throwaway template with two releases --------------------------------------------


@dataclass(frozen=True)
class Releases:
    source: Path
    configs_file: str | None  # a configs/ file the release changed, when the template has one


def _release_changes(template: Path) -> str | None:
    """Edit the template copy as a release would: template-owned and team-owned files."""
    _replace_line(
        template / "Makefile.jinja",
        0,
        f"# Thin wrappers, one command each ({RELEASE_NOTE}).",
        expect_prefix="#",
    )
    precommit = template / ".pre-commit-config.yaml.jinja"
    lines = precommit.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[0].startswith("#")
    lines.insert(1, f"# Hooks reviewed for {RELEASE_NOTE}.\n")
    precommit.write_text("".join(lines), encoding="utf-8")
    cli = template / "src" / "{{package_name}}" / "cli.py.jinja"
    first = cli.read_text(encoding="utf-8").splitlines()[0]
    assert first.endswith('."""'), first
    _replace_line(cli, 0, first.removesuffix('."""') + f', {RELEASE_NOTE}."""', expect_prefix='"""')
    _append(
        template / "docs" / "decisions" / "0001-project-layout.md", f"Updated in {RELEASE_NOTE}."
    )
    _append(template / "README.md.jinja", f"Template note for {RELEASE_NOTE}.")
    _append(template / "experiments" / "README.md", f"Template note for {RELEASE_NOTE}.")
    for tfvars in template.rglob("terraform.tfvars.json.jinja"):
        lines = tfvars.read_text(encoding="utf-8").splitlines(keepends=True)
        assert lines[0].strip() == "{", tfvars
        lines.insert(1, f'  "template_release": "{RELEASE_NOTE}",\n')
        tfvars.write_text("".join(lines), encoding="utf-8")
    configs = sorted(p for p in (template / "configs").rglob("*") if p.is_file())
    configs = [p for p in configs if p.suffix in {".yaml", ".yml", ".toml", ".jinja"}]
    if not configs:
        return None
    _append(configs[0], f"# {RELEASE_NOTE}")
    return configs[0].relative_to(template).as_posix().removesuffix(".jinja")


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Releases:
    source = tmp_path_factory.mktemp("template") / "dayone-template"
    source.mkdir()
    shutil.copy2(REPO_ROOT / "copier.yml", source / "copier.yml")
    for folder in ("template", "terraform_modules"):
        if (REPO_ROOT / folder).is_dir():
            shutil.copytree(
                REPO_ROOT / folder,
                source / folder,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".terraform"),
            )
    _git(source, "init", "--quiet", "--initial-branch=main")
    _git(source, "add", "--all")
    _git(source, "commit", "--quiet", "-m", "Release 1.0.0")
    _git(source, "tag", OLD)
    configs_file = _release_changes(source / "template")
    _git(source, "add", "--all")
    _git(source, "commit", "--quiet", "-m", "Release 1.1.0")
    _git(source, "tag", NEW)
    return Releases(source=source, configs_file=configs_file)


# ---- rendering and updating as users do ---------------------------------------------------


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args), catch_exceptions=False, env=dict(os.environ))


def _new(releases: Releases, dest: Path, ref: str, *data: str) -> Path:
    args = ["new", str(dest), "--defaults", "--template", str(releases.source), "--vcs-ref", ref]
    for pair in ("cloud=none", *data):
        args += ["--data", pair]
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    return dest


def _update(project: Path, *args: str) -> Result:
    return _invoke("update", str(project), *args)


def _commit_all(project: Path, message: str) -> None:
    _git(project, "add", "--all")
    _git(project, "commit", "--quiet", "--no-verify", "-m", message)


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under root except git's own data and the lock file, as bytes."""
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel == ".git" or rel.startswith(".git/") or rel == "uv.lock" or not path.is_file():
            continue
        files[rel] = path.read_bytes()
    return files


def _team_owned(rel: str) -> bool:
    return any(rel == p or (p.endswith("/") and rel.startswith(p)) for p in TEAM_OWNED_PREFIXES)


def _read(project: Path, rel: str) -> str:
    return (project / rel).read_text(encoding="utf-8")


def _commit_of(project: Path) -> str:
    for line in _read(project, ".copier-answers.yml").splitlines():
        if line.startswith("_commit:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no _commit in .copier-answers.yml")


@pytest.fixture(scope="module")
def fresh_new(releases: Releases, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh render of the newer release; read only."""
    return _new(releases, tmp_path_factory.mktemp("fresh") / "churn", NEW)


@pytest.fixture
def old_project(releases: Releases, tmp_path: Path) -> Path:
    """A project rendered at the older release and committed by `dayone new`."""
    return _new(releases, tmp_path / "churn", OLD)


# ---- the update itself ------------------------------------------------------------------------


def test_update_equals_fresh_render_of_new_release(old_project: Path, fresh_new: Path) -> None:
    before = _tree(old_project)
    result = _update(old_project)
    assert result.exit_code == 0, result.output
    assert f"{OLD} -> {NEW}" in result.stdout
    assert _commit_of(old_project) == NEW

    fresh = _tree(fresh_new)
    # Template-owned files are exactly the new release; team-owned ones exactly as they were.
    expected = {rel: data for rel, data in fresh.items() if not _team_owned(rel)}
    expected |= {rel: data for rel, data in before.items() if _team_owned(rel)}
    after = _tree(old_project)
    assert sorted(after) == sorted(expected)
    differing = [rel for rel in expected if after[rel] != expected[rel]]
    assert differing == []
    # The release really changed these, so the equality above is not vacuous.
    for rel in ("Makefile", ".pre-commit-config.yaml", "src/churn/cli.py"):
        assert before[rel] != after[rel], rel
    assert RELEASE_NOTE not in _read(old_project, "README.md")


def test_user_edits_survive_an_update_of_other_lines(old_project: Path, releases: Releases) -> None:
    cli = "src/churn/cli.py"
    edits = {
        cli: '\n\ndef team_helper() -> int:\n    """Added by the team."""\n    return 42\n',
        "Makefile": "\nteam-target: ## Added by the team\n\tuv run python -m churn info\n",
        "README.md": "\nTeam notes: our own words.\n",
        "experiments/README.md": "\nTeam experiment log.\n",
    }
    assert releases.configs_file, "the template renders configs/: the team's edit goes there"
    edits[releases.configs_file] = "# team setting\n"
    for rel, text in edits.items():
        with (old_project / rel).open("a", encoding="utf-8") as handle:
            handle.write(text)
    _commit_all(old_project, "Team edits")

    result = _update(old_project)
    assert result.exit_code == 0, result.output

    for rel, text in edits.items():
        assert _read(old_project, rel).endswith(text), rel
    # The release's own changes to the template-owned files merged in around the edits.
    assert RELEASE_NOTE in _read(old_project, cli).splitlines()[0]
    assert RELEASE_NOTE in _read(old_project, "Makefile").splitlines()[0]
    # Team-owned files never take template changes.
    for rel in ("README.md", "experiments/README.md"):
        assert RELEASE_NOTE not in _read(old_project, rel), rel
    assert find_conflicts(old_project) == []


def test_tfvars_edits_survive_an_update(releases: Releases, tmp_path: Path) -> None:
    assert any((releases.source / "template").rglob("terraform.tfvars.json.jinja")), TFVARS
    project = _new(releases, tmp_path / "churn", OLD, "cloud=aws")
    tfvars = project / TFVARS
    lines = tfvars.read_text(encoding="utf-8").splitlines(keepends=True)
    # The team changes a value in the lower half; the release adds a line at the top.
    assert len(lines) >= 8, lines
    index = len(lines) - 3
    key, sep, value = lines[index].partition(":")
    assert sep and value.rstrip().endswith(","), lines[index]
    lines[index] = f'{key}: "team value",\n'
    tfvars.write_text("".join(lines), encoding="utf-8")
    _commit_all(project, "Team edit in tfvars")

    result = _update(project)
    assert result.exit_code == 0, result.output
    values = json.loads(tfvars.read_text(encoding="utf-8"))
    assert values[json.loads(key.strip())] == "team value"
    assert values["template_release"] == RELEASE_NOTE


def test_same_line_edit_is_a_loud_conflict(old_project: Path) -> None:
    makefile = old_project / "Makefile"
    lines = makefile.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = "# Our team's own wrappers.\n"
    makefile.write_text("".join(lines), encoding="utf-8")
    cli = old_project / "src" / "churn" / "cli.py"
    cli.write_text(cli.read_text(encoding="utf-8") + "\n\nTEAM_CONSTANT = 1\n", encoding="utf-8")
    _commit_all(old_project, "Team edits on a line the release changes")

    result = _update(old_project)
    assert result.exit_code == 1
    error_lines = result.stderr.strip().splitlines()
    assert len(error_lines) == 1, result.stderr
    assert error_lines[0].startswith("dayone: error:")
    assert "Makefile" in error_lines[0]
    assert "src/churn/cli.py" not in error_lines[0]

    merged = makefile.read_text(encoding="utf-8")
    assert "<<<<<<< before updating" in merged
    assert ">>>>>>> after updating" in merged
    assert "# Our team's own wrappers." in merged
    assert RELEASE_NOTE in merged
    assert "Makefile" in _git(old_project, "diff", "--name-only", "--diff-filter=U")
    # Nothing else is lost: the other edit and the rest of the release are there.
    assert cli.read_text(encoding="utf-8").endswith("\n\nTEAM_CONSTANT = 1\n")
    assert RELEASE_NOTE in cli.read_text(encoding="utf-8").splitlines()[0]
    assert RELEASE_NOTE in _read(old_project, ".pre-commit-config.yaml")
    assert find_conflicts(old_project) == ["Makefile"]


def test_deleted_files_stay_deleted(old_project: Path) -> None:
    example = "experiments/scripts/quick_baseline.py"
    changed_by_release = "docs/decisions/0001-project-layout.md"
    for rel in (example, changed_by_release, "LICENSE"):
        (old_project / rel).unlink()
    _commit_all(old_project, "Delete what we do not want")

    result = _update(old_project)
    assert result.exit_code == 0, result.output
    assert not (old_project / example).exists()
    assert not (old_project / changed_by_release).exists()
    # README.md and LICENSE are only written when missing: deleting one asks for a fresh copy.
    assert (old_project / "LICENSE").is_file()


@pytest.mark.parametrize(
    "answers",
    [("cloud=aws",), ("cloud=gcp", "gcp_billing_account=01A2B3-C4D5E6-F7A8B9")],
    ids=["none-to-aws", "none-to-gcp"],
)
def test_changing_an_answer_rerenders_only_what_depends_on_it(
    releases: Releases, tmp_path: Path, answers: tuple[str, ...]
) -> None:
    project = _new(releases, tmp_path / "churn", NEW)
    reference = _new(releases, tmp_path / "reference" / "churn", NEW, *answers)
    before, wanted = _tree(project), _tree(reference)
    expected = {
        rel
        for rel in set(before) | set(wanted)
        if before.get(rel) != wanted.get(rel) and not _team_owned(rel)
    }
    assert {".copier-answers.yml", ".pre-commit-config.yaml"} <= expected

    result = _update(project, *(arg for pair in answers for arg in ("--data", pair)))
    assert result.exit_code == 0, result.output
    after = _tree(project)
    changed = {rel for rel in set(before) | set(after) if before.get(rel) != after.get(rel)}
    assert changed == expected
    for rel in changed:
        assert after.get(rel) == wanted.get(rel), rel


# ---- refusing, pretending, checking -------------------------------------------------------


def _snapshot(project: Path) -> tuple[dict[str, bytes], str, str]:
    tree = _tree(project)
    return tree, _git(project, "rev-parse", "HEAD"), _git(project, "status", "--porcelain")


def test_dirty_tree_is_refused_and_nothing_changes(old_project: Path) -> None:
    (old_project / "notes.txt").write_text("work in progress\n", encoding="utf-8")
    with (old_project / "Makefile").open("a", encoding="utf-8") as handle:
        handle.write("# half-done\n")
    before = _snapshot(old_project)

    result = _update(old_project)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("dayone: error:")
    assert "uncommitted changes" in result.stderr
    assert _snapshot(old_project) == before


def test_pretend_shows_changes_and_writes_nothing(old_project: Path) -> None:
    before = _snapshot(old_project)
    result = _update(old_project, "--pretend")
    assert result.exit_code == 0, result.output
    assert f"{OLD} -> {NEW}" in result.stdout
    assert "Makefile" in result.stdout
    assert ".pre-commit-config.yaml" in result.stdout
    assert "Nothing was written" in result.stdout
    assert _snapshot(old_project) == before
    assert _commit_of(old_project) == OLD


def test_check_exit_codes(old_project: Path, fresh_new: Path) -> None:
    behind = _update(old_project, "--check")
    assert behind.exit_code == 10, behind.output
    assert OLD in behind.stdout and NEW in behind.stdout

    current = _update(fresh_new, "--check")
    assert current.exit_code == 0, current.output
    assert "Up to date" in current.stdout


def test_bad_input_is_one_line_and_exit_1(tmp_path: Path) -> None:
    not_project = _update(tmp_path)
    assert not_project.exit_code == 1
    assert not_project.stderr.strip().splitlines() == [
        f"dayone: error: {tmp_path} is not a dayone project: .copier-answers.yml is missing"
    ]
    mixed = _update(tmp_path, "--check", "--data", "ci=gitlab")
    assert mixed.exit_code == 1
    assert len(mixed.stderr.strip().splitlines()) == 1


# ---- the pieces -------------------------------------------------------------------------------


def test_versions_are_read_like_copier_does() -> None:
    assert str(parse_version("v1.2.0")) == "1.2.0"
    assert str(parse_version("v1.2.0-3-gabc1234")) == "1.2.0.post3+gabc1234"
    assert parse_version("abc1234") is None
    assert parse_version("v1.2.0-3-gabc1234") > parse_version("v1.2.0")  # type: ignore[operator]


def test_newest_release_is_pep440_highest_without_prereleases() -> None:
    tags = ["v1.9.0", "v1.10.0", "v2.0.0rc1", "nightly", "v1.10.0a1"]
    assert newest_release(tags) == "v1.10.0"
    assert newest_release(["nightly"]) is None


@pytest.fixture
def scratch_repo(tmp_path: Path) -> Iterator[Path]:
    _git(tmp_path, "init", "--quiet", "--initial-branch=main")
    (tmp_path / "clean.txt").write_text("fine\n", encoding="utf-8")
    (tmp_path / "docs.md").write_text("A marker mid-line <<<<<<< before updating\n")
    _commit_all(tmp_path, "start")
    yield tmp_path


def test_find_conflicts_sees_markers_and_rejects(scratch_repo: Path) -> None:
    assert find_conflicts(scratch_repo) == []
    (scratch_repo / "clean.txt").write_text(
        "<<<<<<< before updating\nours\n=======\ntheirs\n>>>>>>> after updating\n"
    )
    (scratch_repo / "Makefile.rej").write_text("@@ -1 +1 @@\n")
    assert find_conflicts(scratch_repo) == ["Makefile.rej", "clean.txt"]


# ---- the slow tier ----------------------------------------------------------------------------


@pytest.mark.slow
def test_updated_project_passes_its_own_checks(
    old_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = find_python("3.11")
    # A missing interpreter fails: a skipped slow tier would look green.
    assert python is not None, "no Python 3.11 interpreter found (uv downloads are off)"
    monkeypatch.setenv("UV_PYTHON", python)
    result = _update(old_project)
    assert result.exit_code == 0, result.output
    _commit_all(old_project, "Update to the dayone template v1.1.0")
    # What the update itself may break: the lock (left out of the comparison with a fresh
    # render of v1.1.0, test_update_equals_fresh_render_of_new_release), the merged hooks'
    # configuration and Makefile (lint), the CI files. The project's tests read what that
    # comparison pins, the cloud-none answer set's checked code but for the release's comments
    # and one docstring, and the day-two scenario (tests/test_docs.py) runs the whole
    # `make check` of an updated project.
    checked = _invoke(
        "check", str(old_project), "--only", "uv sync", "--only", "pre-commit", "--only", "CI files"
    )
    assert checked.exit_code == 0, checked.output
    assert "All 3 checks passed" in checked.output, checked.output


# ---- conflicts foreseen, team-owned descriptions, packaged template ----------------------


def test_pretend_exits_11_when_it_foresees_conflicts(old_project: Path) -> None:
    makefile = old_project / "Makefile"
    lines = makefile.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = "# Our team's own wrappers.\n"
    makefile.write_text("".join(lines), encoding="utf-8")
    _commit_all(old_project, "Team edit on a line the release changes")
    before = _snapshot(old_project)

    result = _update(old_project, "--pretend")
    assert result.exit_code == 11, result.output
    assert "The update would leave conflicts in: Makefile" in result.stdout
    assert "conflicts foreseen (exit 11)" in result.stderr
    assert _snapshot(old_project) == before


def test_changing_ci_flags_the_team_owned_readme(releases: Releases, tmp_path: Path) -> None:
    project = _new(releases, tmp_path / "churn", NEW)
    assert "GitHub Actions" in _read(project, "README.md")

    result = _update(project, "--data", "ci=gitlab")
    assert result.exit_code == 0, result.output
    assert (project / ".gitlab-ci.yml").is_file()
    # README.md is team-owned: not rewritten, so the update says what to re-check in it.
    assert "GitHub Actions" in _read(project, "README.md")
    warnings = [line for line in result.stderr.splitlines() if "README.md" in line]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("dayone: warning: README.md is team-owned")
    assert "ci changed from github to gitlab" in warnings[0]
    assert "CI/CD section" in warnings[0]


def test_unchanged_answers_raise_no_readme_warning(releases: Releases, tmp_path: Path) -> None:
    project = _new(releases, tmp_path / "churn", OLD)
    result = _update(project, "--data", "ci=github")
    assert result.exit_code == 0, result.output
    assert "README.md is team-owned" not in result.stderr


def _packaged_copy(destination: Path) -> Path:
    """The template laid out as the wheel carries it (pyproject force-include): copier.yml,
    template/, and the modules as real files where template's infra/modules link points."""
    destination.mkdir()
    shutil.copy2(REPO_ROOT / "copier.yml", destination / "copier.yml")
    shutil.copytree(
        REPO_ROOT / "template",
        destination / "template",
        symlinks=False,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".terraform"),
    )
    return destination


def test_packaged_template_records_its_release_and_updates_from_git(
    releases: Releases,
    fresh_new: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A wheel's template is no git repository: the project records the release's git URL
    and tag instead, and a later update merges from that git source like any other."""
    from dayone import template_source

    packaged = _packaged_copy(tmp_path / "_template")
    monkeypatch.setattr(template_source, "PACKAGED_TEMPLATE", packaged)
    monkeypatch.setattr(template_source, "_installed_from", lambda: None)
    monkeypatch.setattr(template_source, "_source_checkout", lambda: None)
    # The packaged copy is this checkout, which is what releases tags as OLD.
    monkeypatch.setattr(template_source, "release_tag", lambda: OLD)
    monkeypatch.setenv(template_source.TEMPLATE_URL_ENV_VAR, str(releases.source))

    project = tmp_path / "churn"
    result = _invoke("new", str(project), "--defaults", "--data", "cloud=none")
    assert result.exit_code == 0, result.output
    answers = _read(project, ".copier-answers.yml")
    assert f"_src_path: {releases.source}" in answers.splitlines()
    assert _commit_of(project) == OLD
    assert answers.startswith("# Changes here will be overwritten by Copier")
    assert f"template {OLD}" in _git(project, "log", "-1", "--format=%s")
    assert _git(project, "status", "--porcelain") == ""

    updated = _update(project)
    assert updated.exit_code == 0, updated.output
    assert _commit_of(project) == NEW
    assert RELEASE_NOTE in _read(project, "Makefile")
    for rel in ("Makefile", ".pre-commit-config.yaml", "src/churn/cli.py"):
        assert _read(project, rel) == _read(fresh_new, rel), rel
