"""The generated infrastructure applies: every environment of every AWS answer set is applied
and destroyed on the local emulator by `dayone check --all-envs`, and what the stack means is
read back from the emulator, with IAM enforced where access is the point."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dayone.checks import CheckResult
from tests.conftest import ALL_ENVS_APPLIED, Checked
from tests.support.iam_scan import iam_scan
from tests.support.project import ANSWER_SETS, answer_set, read_answers
from tests.terraform.conftest import grouped

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
        assert set(by_kind["trust"]) == {
            f"{prefix}-{r}" for r in ("deploy", "plan", "trainer", "training", "image-codebuild")
        } | ({f"{prefix}-prod-data-reader"} if env == "dev" else set())
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


def _load_apply_script(project: Path) -> ModuleType:
    """The project's own infra/local/apply_destroy.py, imported under a unique name."""
    local = project / "infra" / "local"
    sys.path.insert(0, str(local))
    spec = importlib.util.spec_from_file_location(
        f"apply_destroy_{uuid.uuid4().hex}", local / "apply_destroy.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _denied(call: Callable[[], Any]) -> bool:
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"] in {"AccessDenied", "403", "Forbidden"}
    return False


@contextmanager
def _enforced(emulator: Any) -> Iterator[None]:
    emulator.enforce_iam(True)
    try:
        yield
    finally:
        emulator.enforce_iam(False)


def _probe_prod_data(
    emulator: Any, accounts: dict[str, str], outputs: dict[str, dict[str, Any]]
) -> dict[str, bool]:
    """As a developer of dev: assume the reader role, then try to read and write prod data."""
    dev, prod = accounts["dev"], accounts["prod"]
    raw = outputs["prod"]["bucket_names"]["raw"]
    models = outputs["prod"]["bucket_names"]["models"]
    reader_arn = outputs["dev"]["prod_data_reader_role_arn"]

    def admin(service: str, account: str) -> Any:
        return emulator.client(service, access_key=account, secret_key=account)

    admin("s3", prod).put_object(Bucket=raw, Key="probe/rows.csv", Body=b"a,b\n1,2\n")
    admin("s3", prod).put_object(Bucket=models, Key="probe/model.bin", Body=b"weights")
    iam = admin("iam", dev)
    iam.create_user(UserName="probe-developer")
    iam.put_user_policy(
        UserName="probe-developer",
        PolicyName="assume-prod-data-reader",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": reader_arn}
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="probe-developer")["AccessKey"]
    user = {"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}
    with _enforced(emulator):
        user_s3 = emulator.client("s3", **user)
        found = {
            "developer alone cannot read prod": _denied(
                lambda: user_s3.get_object(Bucket=raw, Key="probe/rows.csv")
            )
        }
        creds = emulator.client("sts", **user).assume_role(
            RoleArn=reader_arn, RoleSessionName="data-work"
        )["Credentials"]
        reader = emulator.client(
            "s3",
            access_key=creds["AccessKeyId"],
            secret_key=creds["SecretAccessKey"],
            session_token=creds["SessionToken"],
        )
        listed = reader.list_objects_v2(Bucket=raw).get("Contents", [])
        found["reader lists prod raw"] = [o["Key"] for o in listed] == ["probe/rows.csv"]
        body = reader.get_object(Bucket=raw, Key="probe/rows.csv")["Body"].read()
        found["reader gets a prod object"] = body == b"a,b\n1,2\n"
        found["reader cannot put"] = _denied(
            lambda: reader.put_object(Bucket=raw, Key="x", Body=b"x")
        )
        found["reader cannot delete"] = _denied(
            lambda: reader.delete_object(Bucket=raw, Key="probe/rows.csv")
        )
        found["reader cannot read prod models"] = _denied(
            lambda: reader.get_object(Bucket=models, Key="probe/model.bin")
        )
    # prod's buckets refuse to be destroyed while they hold data (no force_destroy): remove
    # every version of what the probe put there.
    for bucket in (raw, models):
        versions = admin("s3", prod).list_object_versions(Bucket=bucket)
        for item in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
            admin("s3", prod).delete_object(
                Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"]
            )
    iam.delete_user_policy(UserName="probe-developer", PolicyName="assume-prod-data-reader")
    iam.delete_access_key(UserName="probe-developer", AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName="probe-developer")
    return found


@pytest.mark.parametrize("name", grouped("defaults", "per-environment-accounts"))
def test_dev_readers_read_but_never_write_prod_data(
    rendered_project: Rendered, tmp_path: Path, name: str
) -> None:
    """dev and prod applied side by side; then, with IAM enforced by the emulator, the
    developers' reader role of dev reads prod's raw data and cannot change it."""
    project, _ = rendered_project(name)
    script = _load_apply_script(project)
    per_environment = read_answers(project).get("aws_accounts") == "per-environment"
    accounts = {env: script.account_for(env, per_environment) for env in ("dev", "prod")}
    both_applied = threading.Barrier(2, timeout=900)
    probed = threading.Event()
    outputs: dict[str, dict[str, Any]] = {}
    found: dict[str, bool] = {}

    def verify(
        environment: str, emulator: Any, env_outputs: dict[str, Any], account: str
    ) -> list[str]:
        outputs[environment] = env_outputs
        both_applied.wait()
        if environment == "dev":
            try:
                found.update(_probe_prod_data(emulator, accounts, outputs))
            finally:
                probed.set()
        else:
            probed.wait(timeout=600)
        return []

    def cycle(environment: str, emulator: Any) -> None:
        try:
            script.cycle(
                environment,
                emulator,
                tmp_path,
                tmp_path / "records",
                per_environment,
                verify,
                providers,
            )
        except BaseException:
            both_applied.abort()  # the other environment must not wait for this one
            probed.set()
            raise

    # dev's bootstrap makes the OIDC provider prod's deploy role is assumed through, when
    # the two share an account.
    providers = script.SharedProviders({} if per_environment else {"dev": {"prod"}})

    with script.running_emulator() as emulator, ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(cycle, env, emulator) for env in ("dev", "prod")]
        errors = [run.exception() for run in runs]
        # The environment that failed first, not the one that then waited on it in vain.
        for error in sorted(
            (e for e in errors if e), key=lambda e: isinstance(e, threading.BrokenBarrierError)
        ):
            raise error
        left = script.leftovers(
            emulator, read_answers(project)["project_slug"], set(accounts.values())
        )
    assert found == dict.fromkeys(found, True) and len(found) == 6, found
    assert left == []


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
