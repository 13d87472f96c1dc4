"""One GitLab CI include per cloud (issue 21): `.gitlab-ci.yml` holds the pipeline's shape and
includes `.gitlab/ci/<cloud>.yml`, rendered for that cloud only; cloud `none` renders no
include and no `.gitlab/`. No CI file of a project names another cloud.

Fast tier: every answer set, rendered with `ci: gitlab` (the answer sets cover both clouds,
none, per-environment accounts and Vertex), is inspected; nothing is run.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.gitlab_ci import ci_files, load_pipeline, load_yaml, resolved
from tests.support.project import ANSWER_SETS, answer_set, read_answers

# Words that name a cloud in a CI file: its CLI, its variables, its identity services.
CLOUD_WORDS = {
    "aws": re.compile(r"(?i)\baws\b|\bAWS_|amazonaws|codebuild|\becr\b"),
    "gcp": re.compile(r"(?i)\bgcloud\b|\bgcp\b|GOOGLE_|GCP_|\bWIF\b|googleapis|google cloud"),
}


def other_cloud_words(project: Path, cloud: str) -> list[str]:
    """Where the project's CI files name a cloud other than `cloud` (file: words)."""
    found = []
    for path in ci_files(project):
        text = path.read_text(encoding="utf-8")
        for other, pattern in CLOUD_WORDS.items():
            if other != cloud:
                words = sorted({m.group(0) for m in pattern.finditer(text)})
                if words:
                    found.append(f"{path.relative_to(project)}: {', '.join(words)}")
    return found


@pytest.fixture(scope="session")
def gitlab_render(rendered_only: Callable[..., Path]) -> Callable[[str], Path]:
    """An answer set rendered with `ci: gitlab` (no lock, no commit)."""
    return lambda name: rendered_only(name, ci="gitlab")


@pytest.mark.parametrize("answers", ANSWER_SETS)
def test_each_cloud_has_its_own_include_and_no_file_names_another_cloud(
    gitlab_render: Callable[[str], Path], answers: str
) -> None:
    project = gitlab_render(answers)
    recorded = read_answers(project)
    cloud = str(recorded.get("cloud", "aws"))
    main = (project / ".gitlab-ci.yml").read_text(encoding="utf-8")
    if cloud == "none":
        assert not (project / ".gitlab").exists()
        assert "include:" not in main
        assert [p.name for p in ci_files(project)] == [".gitlab-ci.yml"]
        assert other_cloud_words(project, cloud) == []
        assert "terraform" not in main.lower()
        return
    # Exactly one include, the cloud's, and nothing else under .gitlab/.
    assert [p.relative_to(project).as_posix() for p in ci_files(project)] == [
        ".gitlab-ci.yml",
        f".gitlab/ci/{cloud}.yml",
    ]
    assert sorted(
        p.relative_to(project).as_posix() for p in (project / ".gitlab").rglob("*") if p.is_file()
    ) == [f".gitlab/ci/{cloud}.yml"]
    assert other_cloud_words(project, cloud) == []


CLOUD_SETS = [a for a in ANSWER_SETS if answer_set(a).get("cloud", "aws") != "none"]


@pytest.mark.parametrize("answers", CLOUD_SETS)
def test_the_shape_and_the_cloud_file_fit_together(
    gitlab_render: Callable[[str], Path], answers: str
) -> None:
    """Every job the shape names exists once the cloud's file is included: each environment
    has its plan, deploy, image and drift jobs, every `extends` and `needs` names a job, and
    the cloud's file adds only identities, its own jobs and hidden templates (the shape's
    jobs are not redefined there)."""
    project = gitlab_render(answers)
    ci = load_pipeline(project)
    envs = list(read_answers(project).get("environments") or ["dev", "staging", "prod"])
    for env in envs:
        for kind in ("plan", "deploy", "image", "drift", "drift-report"):
            job = resolved(ci, f"{kind}-{env}")
            assert job["variables"]["TF_ENV"] == env, (kind, env)
            assert "script" in job and "rules" in job, (kind, env)
        for kind in ("plan", "deploy", "image", "drift"):
            assert resolved(ci, f"{kind}-{env}")["id_tokens"], (kind, env)
    for name, job in ci.items():
        if not isinstance(job, dict):
            continue
        parents = job.get("extends", [])
        for parent in [parents] if isinstance(parents, str) else parents:
            assert parent in ci, f"{name} extends {parent}, which no file defines"
        for needed in job.get("needs", []):
            assert needed in ci, f"{name} needs {needed}, which no file defines"
    (cloud_file,) = ci_files(project)[1:]
    main = load_yaml(project / ".gitlab-ci.yml")
    redefined = set(load_yaml(cloud_file)) & (set(main) - {"variables"})
    assert redefined == set(), redefined


def test_the_cloud_word_search_finds_a_planted_word(
    gitlab_render: Callable[[str], Path], tmp_path: Path
) -> None:
    project = gitlab_render("gitlab")
    copy = tmp_path / "project"
    for path in [*ci_files(project), project / ".copier-answers.yml"]:
        target = copy / path.relative_to(project)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    assert other_cloud_words(copy, "aws") == []
    with (copy / ".gitlab" / "ci" / "aws.yml").open("a", encoding="utf-8") as handle:
        handle.write("\n# gcloud auth print-access-token\n")
    assert other_cloud_words(copy, "aws") == [".gitlab/ci/aws.yml: gcloud"]
    assert other_cloud_words(copy, "gcp"), "an AWS file names AWS"
