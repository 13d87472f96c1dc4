"""The generated infrastructure applies: every environment of every AWS answer set is applied
and destroyed on the local emulator by `dayone check --all-envs`, and what the stack means is
read back from the emulator, with IAM enforced where access is the point."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dayone.checks import CheckResult
from tests.conftest import ALL_ENVS_APPLIED, Checked
from tests.support.iam_scan import iam_scan
from tests.support.project import ANSWER_SETS, answer_set, read_answers
from tests.terraform.conftest import environment_roles, grouped

pytestmark = [pytest.mark.slow, pytest.mark.terraform]

AWS_SETS = [name for name in ANSWER_SETS if answer_set(name).get("cloud", "aws") == "aws"]
APPLY_STEP = "terraform apply+destroy, emulated"
ENVIRONMENTS = ("dev", "staging", "prod")
Rendered = Callable[[str], tuple[Path, dict[str, str]]]


def test_both_account_modes_are_covered() -> None:
    modes = {answer_set(n).get("aws_accounts", "single") for n in ALL_ENVS_APPLIED}
    assert modes == {"single", "per-environment"}
    assert set(ALL_ENVS_APPLIED) <= set(AWS_SETS)


def _passed_apply(checked: Checked, name: str) -> CheckResult:
    """The emulated apply step of the answer set's check, which must have passed."""
    step = next(r for r in checked.results if r.name == APPLY_STEP)
    assert step.passed, step.tail
    print(f"\n{name}: {APPLY_STEP}\n{step.output.strip()}")  # seconds per environment
    return step


@pytest.mark.parametrize("name", grouped(*AWS_SETS))
def test_dev_applies_and_nothing_is_left(
    checked_project: Callable[[str], Checked], name: str
) -> None:
    checked = checked_project(name)
    step = _passed_apply(checked, name)
    assert "ok    dev: applied " in step.output
    assert "left in the emulator after destroy: 0 resource(s)" in step.output


@pytest.mark.parametrize("name", grouped(*ALL_ENVS_APPLIED))
def test_every_environment_applies_and_nothing_is_left(
    checked_project: Callable[[str], Checked], name: str
) -> None:
    checked = checked_project(name)
    step = _passed_apply(checked, name)
    slug = read_answers(checked.project)["project_slug"]
    for env in ENVIRONMENTS:
        assert f"ok    {env}: applied " in step.output
        resources = (checked.records / f"{env}.resources.txt").read_text().split()
        # The stack's resources; the identities are the bootstrap's.
        assert len(resources) >= 25, resources
        assert not [r for r in resources if "aws_iam_" in r], resources
        # Applied as the environment's own deploy role, assumed with its deploy job's token.
        assert "applied as arn:aws:iam::" in step.output
        assert f":role/{slug}--{env}-deploy (deploy-{env})" in step.output
        identities = json.loads((checked.records / f"{env}.bootstrap.outputs.json").read_text())
        assert identities["deploy_role_arn"].endswith(f":role/{slug}--{env}-deploy")
    assert "IAM enforced" in step.output
    assert "left in the emulator after destroy: 0 resource(s)" in step.output
    assert "prod refuses force_destroy=true" in step.output
    assert "prod state bucket refuses an ordinary terraform destroy" in step.output


@pytest.mark.parametrize("name", grouped(*ALL_ENVS_APPLIED))
def test_each_account_gets_one_set_of_slice_endpoints(
    checked_project: Callable[[str], Checked], name: str
) -> None:
    """The VPC endpoints of the slice tasks are made once per account (a VPC takes one
    private-DNS endpoint per service): by the environment that makes the account's OIDC
    provider, in both account modes, and applied on the emulator (the check turns on what the
    tfvars leave off because it costs)."""
    checked = checked_project(name)
    per_environment = read_answers(checked.project).get("aws_accounts") == "per-environment"
    services = {"ecr.api", "ecr.dkr", "logs", "s3"}
    for env in ENVIRONMENTS:
        tfvars = checked.project / "infra" / "envs" / env / "terraform.tfvars.json"
        variables = json.loads(tfvars.read_text())
        assert variables["slice_endpoints"] is False  # off until a team turns it on: it costs
        identities = json.loads((checked.records / f"{env}.bootstrap.outputs.json").read_text())
        made = set(identities["slice_endpoint_ids"])
        makes = variables["create_oidc_provider"]
        assert made == (services if makes else set()), (env, made)
        assert makes == (per_environment or env == "dev")
        assert all(v.startswith("vpce-") for v in identities["slice_endpoint_ids"].values())


@pytest.mark.parametrize("name", grouped(*ALL_ENVS_APPLIED))
def test_each_budget_measures_its_own_environment(
    checked_project: Callable[[str], Checked], name: str
) -> None:
    checked = checked_project(name)
    slug = read_answers(checked.project)["project_slug"]
    step = next(r for r in checked.results if r.name == APPLY_STEP)
    for env in ENVIRONMENTS:
        outputs = json.loads((checked.records / f"{env}.outputs.json").read_text())
        scope = f"user:cost-scope${slug}/{env}"
        assert outputs["budget_cost_filter"] == {"TagKeyValue": [scope]}
        # Read back from the emulator by the apply itself: filter and subscribed addresses.
        assert f"budget {slug}--{env}-monthly: 6 alerts to" in step.output
        assert f"filter {{'TagKeyValue': ['{scope}']}}" in step.output


@pytest.mark.parametrize("name", grouped(*ALL_ENVS_APPLIED))
def test_applied_policies_hold_what_the_plan_could_not_know(
    checked_project: Callable[[str], Checked], name: str
) -> None:
    """After the apply, every role's and bucket's IAM document of the environment is read
    back from the emulator into <env>.applied-policies.json: also those a plan leaves
    unknown (bucket policies name the buckets' ARNs)."""
    checked = checked_project(name)
    slug = read_answers(checked.project)["project_slug"]
    for env in ENVIRONMENTS:
        applied = json.loads((checked.records / f"{env}.applied-policies.json").read_text())
        assert all(set(d) >= {"name", "kind", "address", "document"} for d in applied)
        assert all(d["address"].startswith("arn:aws:") for d in applied)
        by_kind = {
            kind: {d["name"]: d for d in applied if d["kind"] == kind}
            for kind in ("identity", "trust", "resource")
        }
        prefix = f"{slug}--{env}"
        assert set(by_kind["trust"]) == environment_roles(slug, env) | (
            {f"{prefix}-prod-data-reader"} if env == "dev" else set()
        )
        # The training role's inline policy, with the environment's bucket ARNs.
        training = by_kind["identity"][f"{prefix}-training-access"]
        assert f"arn:aws:s3:::{prefix}-raw/*" in json.dumps(training["document"])
        # Every bucket's policy, which the plan knew only once the buckets existed.
        buckets = {f"{prefix}-{p}" for p in ("raw", "processed", "models", "artifacts", "tfstate")}
        assert set(by_kind["resource"]) == buckets
        for bucket in by_kind["resource"].values():
            sids = {s.get("Sid") for s in bucket["document"]["Statement"]}
            assert "DenyInsecureTransport" in sids, bucket
        plan = json.loads((checked.records / f"{env}.plan.json").read_text())
        unknown = [d for d in iam_scan.policy_documents(plan) if not d.known]
        assert unknown and all(d.kind == "resource" for d in unknown)


@pytest.mark.parametrize("name", grouped(*ALL_ENVS_APPLIED))
def test_long_steps_report_their_progress(
    checked_project: Callable[[str], Checked], name: str
) -> None:
    """The apply waits about a minute on S3 lifecycle configurations: it says what it is
    doing, with terraform's resource counts, meanwhile."""
    step = _passed_apply(checked_project(name), name)
    for env in ENVIRONMENTS:
        assert (
            f"  {env}: bootstrap (state bucket and identities), as the administrator" in step.output
        )
        assert re.search(rf"  {env}: apply: \d+ of \d+ resources done, \d+s", step.output), (
            step.output
        )
        assert (
            "waiting on module.stack.module.data_lake.aws_s3_bucket_lifecycle_configuration"
            in step.output
        )


@pytest.mark.xdist_group("defaults")
def test_a_permission_the_deploy_role_lacks_fails_the_apply_naming_it(
    rendered_project: Rendered, tmp_path: Path
) -> None:
    """A throwaway copy of the project whose deploy policy lacks one action the stack needs:
    the emulated apply, run as the deploy role under IAM enforcement, fails on it and says
    which action on which resource (and leaves the emulator clean)."""
    project, _ = rendered_project("defaults")
    slug = read_answers(project)["project_slug"]
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", "__pycache__")
    shutil.copytree(project / "infra", copy / "infra", ignore=ignore)
    shutil.copytree(project / ".github", copy / ".github")
    policy = copy / "infra" / "bootstrap" / "ci_roles.tf"
    text = policy.read_text()
    assert text.count('      "ecr:CreateRepository",\n') == 1
    policy.write_text(text.replace('      "ecr:CreateRepository",\n', ""))
    run = subprocess.run(
        [sys.executable, str(copy / "infra" / "local" / "apply_destroy.py"), "--env", "dev"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=900,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert re.search(
        rf"FAIL  dev: terraform apply in dev failed:.*not authorized to perform: "
        rf"ecr:CreateRepository on resource: arn:aws:ecr:[a-z0-9-]+:\d{{12}}:repository/{slug}/dev",
        output,
        re.DOTALL,
    ), output
    assert "left in the emulator after destroy: 0 resource(s)" in output


# ---- Read-only access to production data, under enforced IAM --------------------------------


@pytest.mark.parametrize("name", grouped(*ALL_ENVS_APPLIED))
def test_dev_readers_read_but_never_write_prod_data(
    checked_project: Callable[[str], Checked], name: str
) -> None:
    """While dev and prod stood side by side in the check's apply, with IAM enforced, a
    developer of dev (allowed only to assume dev's reader role) could not read prod's data
    alone; through the role read prod's raw data and could not write, delete or read models.
    The project's own infra/local/prod_data_access.py tried it and kept what it found."""
    checked = checked_project(name)
    _passed_apply(checked, name)
    found = json.loads((checked.records / "prod-data-access.json").read_text())
    assert found == {
        "developer alone cannot read prod": True,
        "reader lists prod raw": True,
        "reader gets a prod object": True,
        "reader cannot put": True,
        "reader cannot delete": True,
        "reader cannot read prod models": True,
    }


@pytest.mark.parametrize("name", grouped(*ALL_ENVS_APPLIED))
def test_no_planned_resource_is_left_out_of_the_apply(
    checked_project: Callable[[str], Checked], name: str
) -> None:
    """Every resource the plan creates is in the applied state: the emulator answered for
    all of them (no resource type is skipped because the emulator lacks its API)."""
    checked = checked_project(name)
    for env in ENVIRONMENTS:
        plan = json.loads((checked.records / f"{env}.plan.json").read_text())
        planned = {
            change["address"]
            for change in plan["resource_changes"]
            if change["mode"] == "managed" and "create" in change["change"]["actions"]
        }
        applied = set((checked.records / f"{env}.resources.txt").read_text().split())
        assert planned, env
        assert planned <= applied, sorted(planned - applied)
