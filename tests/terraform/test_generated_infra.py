"""The generated infra/ of every AWS answer set: what each environment's plan (made by the
emulated apply of `dayone check --all-envs`) holds, and checkov with a pinned set of skips."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dayone.checks.apply import planned_resources
from dayone.tools import project_environment
from tests.support.project import ANSWER_SETS, REPO_ROOT, answer_set, read_answers
from tests.terraform.conftest import grouped

pytestmark = [pytest.mark.slow, pytest.mark.terraform]

Rendered = Callable[[str], tuple[Path, dict[str, str]]]
AWS_SETS = [name for name in ANSWER_SETS if answer_set(name).get("cloud", "aws") == "aws"]


ENVIRONMENTS = ("dev", "staging", "prod")

# Every inline `#checkov:skip` in the modules, by check ID. Adding a skip is a decision:
# it must come with a reason in the code and a change to this set.
PINNED_SKIPS = {
    "CKV2_AWS_5",
    "CKV2_AWS_6",
    "CKV2_AWS_61",
    "CKV2_AWS_62",
    "CKV_AWS_144",
    "CKV_AWS_145",
    "CKV_AWS_158",
    "CKV_AWS_18",
    "CKV_AWS_21",
    "CKV_AWS_316",
    "CKV_AWS_338",
    "CKV_AWS_382",
    "CKV_AWS_65",
}


def test_aws_answer_sets_exist() -> None:
    assert {"defaults", "gitlab", "hostile-text"} <= set(AWS_SETS)


def _resources(plan: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [
        r
        for r in plan["planned_values"]["root_module"].get("child_modules", [])
        for r in _walk(r)
        if r["type"] == type_
    ]


def _walk(module: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        found += _walk(child)
    return found


@pytest.mark.parametrize("name", AWS_SETS)
def test_backends_are_distinct_locked_and_encrypted(rendered_project: Rendered, name: str) -> None:
    project, _ = rendered_project(name)
    keys = set()
    for env in ENVIRONMENTS:
        backend = (project / "infra" / "envs" / env / "backend.tf").read_text()
        assert re.search(r'backend "s3"', backend)
        assert re.search(r"use_lockfile\s*=\s*true", backend)
        assert re.search(r"encrypt\s*=\s*true", backend)
        keys.add(re.search(r'key\s*=\s*"([^"]+)"', backend).group(1))  # type: ignore[union-attr]
        assert "dynamodb" not in backend
        slug = read_answers(project)["project_slug"]
        assert f'bucket       = "{slug}--{env}-tfstate"' in backend
    assert len(keys) == 3


@pytest.mark.parametrize("name", grouped("defaults", "gitlab"))
def test_plans_hold_the_expected_resources(
    plans: Callable[[str], dict[str, dict[str, Any]]],
    bootstrap_plans: Callable[[str], dict[str, dict[str, Any]]],
    rendered_project: Rendered,
    name: str,
) -> None:
    project, _ = rendered_project(name)
    answers = read_answers(project)
    slug = answers["project_slug"]
    by_env = plans(name)
    for env, plan in by_env.items():
        resources = planned_resources(plan)
        assert all(actions == ["create"] for actions in resources.values())
        buckets = {r["values"]["bucket"]: r["values"] for r in _resources(plan, "aws_s3_bucket")}
        assert set(buckets) == {
            f"{slug}--{env}-{p}" for p in ("raw", "processed", "models", "artifacts")
        }
        # Prod keeps its data; dev and staging can be torn down.
        assert {v["force_destroy"] for v in buckets.values()} == {env != "prod"}
        for values in buckets.values():
            expected_tags = {
                "project": slug,
                "environment": env,
                "owner": answers["owner"],
                "managed-by": "terraform",
            }
            assert values["tags_all"].items() >= expected_tags.items()
        budget = _resources(plan, "aws_budgets_budget")
        assert len(budget) == 1
        assert float(budget[0]["values"]["limit_amount"]) == answers[f"budget_usd_{env}"]
        lifecycle = _resources(plan, "aws_s3_bucket_lifecycle_configuration")
        days = {
            rule["noncurrent_version_expiration"][0]["noncurrent_days"]
            for lc in lifecycle
            for rule in lc["values"]["rule"]
        }
        assert days == {answers[f"retention_days_{env}"]}
        assert [a for a in resources if a.endswith("aws_ecr_repository.this")]
        assert [a for a in resources if a.endswith("aws_codebuild_project.this")]
        # The stack makes no identity: every role and policy is the bootstrap's.
        assert not [a for a in resources if ".aws_iam_" in a], resources
        bootstrap = bootstrap_plans(name)[env]
        readonly = [a for a in planned_resources(bootstrap) if "prod_data_readonly" in a]
        assert bool(readonly) == (env == "dev"), readonly
        roles = {
            r["values"]["name"]
            for r in _walk(bootstrap["planned_values"]["root_module"])
            if r["type"] == "aws_iam_role"
        }
        # "<slug>--<env>": no other project's slug can reach these names.
        assert {
            f"{slug}--{env}-{r}"
            for r in ("deploy", "plan", "trainer", "training", "image-codebuild")
        } <= roles
        assert all(role.startswith(f"{slug}--{env}-") for role in roles)
        subjects = bootstrap["planned_values"]["outputs"]["ci_subjects"]["value"]
        repository = answers["repository"]
        if answers["ci"] == "github":
            assert subjects[env] == [f"repo:{repository}:environment:{env}"]
            assert subjects[f"{env}-trainer"] == [f"repo:{repository}:environment:train-{env}"]
            assert subjects[f"{env}-plan"] == [
                f"repo:{repository}:pull_request",
                f"repo:{repository}:ref:refs/heads/main",
            ]
        else:
            # main's jobs of the environment: its protection and tier are in `sub`.
            tier = {"dev": "development", "staging": "staging", "prod": "production"}[env]
            assert subjects[env] == [
                f"project_path:{repository}:ref_type:branch:ref:main:"
                f"environment_protected:{str(env != 'dev').lower()}:deployment_tier:{tier}"
            ]
        assert not any("*" in subject for subject in subjects[env])


@pytest.mark.xdist_group("hostile-text")
def test_hostile_free_text_is_planned_literally(
    plans: Callable[[str], dict[str, dict[str, Any]]], rendered_project: Rendered
) -> None:
    project, _ = rendered_project("hostile-text")
    description = answer_set("hostile-text")["description"]
    assert read_answers(project)["description"] == description
    for plan in plans("hostile-text").values():
        assert plan["planned_values"]["outputs"]["project_description"]["value"] == description
        build = _resources(plan, "aws_codebuild_project")[0]
        assert build["values"]["description"] == description


@pytest.mark.parametrize("name", ["defaults"])
def test_checkov_reports_no_failures_and_only_pinned_skips(
    rendered_project: Rendered, name: str
) -> None:
    project, _ = rendered_project(name)
    env = project_environment()
    # The project's own step (`make infra-scan`, what CI and dayone check run), as JSON; run
    # even if the session's check remembers a pass of these files (FORCE=1).
    completed = subprocess.run(
        ["make", "-s", "-C", str(project), "infra-scan", "FORCE=1", "CHECKOV_OUTPUT=-o json"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    report = json.loads(completed.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [c["check_id"] for r in reports for c in r["results"].get("failed_checks", [])]
    skipped = {c["check_id"] for r in reports for c in r["results"].get("skipped_checks", [])}
    assert failed == []
    assert skipped == PINNED_SKIPS
    assert completed.returncode == 0


def test_every_inline_skip_has_a_reason() -> None:
    skips = []
    for tf in sorted((REPO_ROOT / "terraform_modules").rglob("*.tf")):
        if tf.relative_to(REPO_ROOT / "terraform_modules").parts[0] == "gcp":
            continue  # GCP's skips are pinned in tests/test_gcp_infra.py
        for line in tf.read_text().splitlines():
            if "checkov:skip=" in line:
                skips.append((tf.name, line.split("checkov:skip=", 1)[1]))
    assert skips
    for _file, skip in skips:
        check_id, _, reason = skip.partition(":")
        assert re.fullmatch(r"CKV2?_AWS_\d+", check_id), skip
        assert len(reason.strip()) > 20, f"skip {check_id} needs a reason"
    assert {s.partition(":")[0] for _f, s in skips} == PINNED_SKIPS
