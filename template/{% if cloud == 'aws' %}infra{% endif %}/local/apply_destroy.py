"""Apply and destroy this project's infrastructure on a local AWS emulator, offline.

    uv run python infra/local/apply_destroy.py --env dev        # what `make infra-local` runs
    uv run python infra/local/apply_destroy.py --all-envs

For each environment: copy infra/ to a temporary folder, apply infra/bootstrap (the state
bucket), init the environment against that bucket through the emulated S3 backend, plan and
apply it, read back what the answers promised (budget, alert subscribers, tags), destroy
it, destroy the bootstrap, then list what the emulator still holds of this project and fail
if anything is left. Nothing is written into the project; the emulator stops with the run,
also on failure or Ctrl-C.

Terraform gets the aws provider the usual way, or from the filesystem mirror named by
DAYONE_TF_MIRROR (the same setting `dayone check` honours) when TF_CLI_CONFIG_FILE is unset.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from emulator import ACCOUNT_ID, Emulator, access_key_of, running_emulator

INFRA = Path(__file__).resolve().parents[1]
ENVIRONMENTS = tuple(sorted(p.name for p in (INFRA / "envs").iterdir() if p.is_dir()))
MIRROR_VAR = "DAYONE_TF_MIRROR"
OVERRIDE = "zz_emulator_override.tf"

# The provider talks to the emulator with fake keys and path-style S3 URLs.
PROVIDER_OVERRIDE = """\
provider "aws" {
  access_key                  = "%(key)s"
  secret_key                  = "%(key)s"
  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
"""

# The state buckets refuse `terraform destroy` (prevent_destroy). The emulated run must
# leave nothing behind, so its throwaway copy lifts that, and only there.
STATE_BUCKET_TEARDOWN = """\
resource "aws_s3_bucket" "this" {
  lifecycle {
    prevent_destroy = false
  }
}
"""

BACKEND_OVERRIDE = """\
terraform {
  backend "s3" {
    bucket                      = "%(bucket)s"
    key                         = "%(key)s"
    region                      = "%(region)s"
    encrypt                     = true
    use_lockfile                = true
    access_key                  = "%(access_key)s"
    secret_key                  = "%(access_key)s"
    endpoints                   = { s3 = "%(endpoint)s", sts = "%(endpoint)s" }
    use_path_style              = true
    skip_credentials_validation = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
  }
}
"""


INIT_LOCK = threading.Lock()


class Failed(Exception):
    """A step failed; the message says which and why."""


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@dataclass
class Terraform:
    env: dict[str, str]
    log: Path | None = None  # --log-dir: every command's output, for a look when one fails

    def __call__(self, directory: Path, *args: str) -> str:
        command = ["terraform", f"-chdir={directory}", *args, "-no-color"]
        started = time.monotonic()
        if args[0] == "init":
            # Terraform's plugin cache is not safe for concurrent inits: one at a time here,
            # and a retry when another process was filling the cache at the same moment.
            with INIT_LOCK:
                done = subprocess.run(command, env=self.env, capture_output=True, text=True)
                for _retry in range(3):
                    if done.returncode == 0 or "Failed to install provider" not in done.stderr:
                        break
                    time.sleep(2)
                    done = subprocess.run(command, env=self.env, capture_output=True, text=True)
        else:
            done = subprocess.run(command, env=self.env, capture_output=True, text=True)
        if self.log is not None:
            took = time.monotonic() - started
            with self.log.open("a", encoding="utf-8") as log:
                log.write(
                    f"$ terraform {' '.join(args)} ({directory.name}) [{took:.1f}s]\n{done.stdout}{done.stderr}\n"
                )
        if done.returncode != 0:
            raise Failed(
                f"terraform {args[0]} in {directory.name} failed:\n{tail(done.stderr or done.stdout)}"
            )
        return done.stdout


def terraform_environment(emulator: Emulator, scratch: Path) -> dict[str, str]:
    # The keys are in the provider and backend overrides; nothing else may reach AWS.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=emulator.endpoint, TF_IN_AUTOMATION="1", TF_INPUT="0")
    mirror = env.get(MIRROR_VAR)
    if mirror and not Path(env.get("TF_CLI_CONFIG_FILE") or "/nonexistent").is_file():
        # No plugin cache: from an unpacked mirror init links the provider (nothing copied),
        # and a shared cache is unsafe for concurrent inits.
        config = scratch / "terraform.rc"
        aws = "registry.terraform.io/hashicorp/aws"
        config.write_text(
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path    = {json.dumps(mirror)}\n    include = ["{aws}"]\n  }}\n'
            f'  direct {{\n    exclude = ["{aws}"]\n  }}\n'
            "}\n",
            encoding="utf-8",
        )
        env["TF_CLI_CONFIG_FILE"] = str(config)
    return env


def backend_settings(env_dir: Path) -> dict[str, str]:
    text = (env_dir / "backend.tf").read_text(encoding="utf-8")
    found = {
        k: re.search(rf'^\s*{k}\s*=\s*"([^"]+)"', text, re.MULTILINE)
        for k in ("bucket", "key", "region")
    }
    missing = [k for k, m in found.items() if m is None]
    if missing:
        raise Failed(f"{env_dir}/backend.tf has no {', '.join(missing)}")
    return {k: m.group(1) for k, m in found.items() if m is not None}


def account_for(environment: str, per_environment_accounts: bool) -> str:
    """moto keeps one account per 12-digit access key: per-environment accounts get their own."""
    if not per_environment_accounts:
        return ACCOUNT_ID
    return str(100000000001 + ENVIRONMENTS.index(environment))


@dataclass
class Result:
    environment: str
    seconds: float
    resources: int
    notes: list[str]


def cycle(
    environment: str,
    emulator: Emulator,
    scratch: Path,
    out_dir: Path | None,
    per_environment_accounts: bool,
    verify: Callable[[str, Emulator, dict[str, Any], str], list[str]],
) -> Result:
    started = time.monotonic()
    account = account_for(environment, per_environment_accounts)
    work = scratch / environment
    shutil.copytree(
        INFRA,
        work / "infra",
        symlinks=False,
        ignore=shutil.ignore_patterns(
            ".terraform", "*.tfstate*", "*.tfplan", "tfplan", "terraform.tfstate.d", "local"
        ),
    )
    infra = work / "infra"
    tf = Terraform(terraform_environment(emulator, work))
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        tf.log = out_dir / f"{environment}.log"
    var_file = f"-var-file={(infra / 'envs' / environment / 'terraform.tfvars.json').resolve()}"
    extra_vars = extra_variables(environment, per_environment_accounts)

    provider = PROVIDER_OVERRIDE % {"key": access_key_of(account)}
    (infra / "bootstrap" / OVERRIDE).write_text(provider, encoding="utf-8")
    env_dir = infra / "envs" / environment
    backend = backend_settings(env_dir)
    (env_dir / OVERRIDE).write_text(
        provider
        + BACKEND_OVERRIDE
        % {**backend, "endpoint": emulator.endpoint, "access_key": access_key_of(account)},
        encoding="utf-8",
    )
    notes: list[str] = []
    applied: list[str] = []  # what needs destroying, in the order it was applied
    try:
        tf(infra / "bootstrap", "init", "-input=false")
        # Counted before it runs: a failed apply can still leave what it created first.
        applied.append("bootstrap")
        tf(infra / "bootstrap", "apply", "-auto-approve", "-input=false", var_file)
        tf(env_dir, "init", "-input=false")
        if environment == "prod":
            notes.append(refuse_force_destroy(tf, env_dir, extra_vars))
        plan_file = work / "plan.tfplan"
        tf(env_dir, "plan", "-input=false", f"-out={plan_file}", *extra_vars)
        if out_dir is not None:
            (out_dir / f"{environment}.plan.json").write_text(
                tf(env_dir, "show", "-json", str(plan_file)), encoding="utf-8"
            )
        applied.append("environment")
        tf(env_dir, "apply", "-input=false", str(plan_file))
        outputs = {k: v["value"] for k, v in json.loads(tf(env_dir, "output", "-json")).items()}
        resources = [
            line
            for line in tf(env_dir, "state", "list").splitlines()
            if line
            and not line.startswith(("data.", "module.stack.data."))
            and ".data." not in line
        ]
        if out_dir is not None:
            (out_dir / f"{environment}.outputs.json").write_text(
                json.dumps(outputs), encoding="utf-8"
            )
            (out_dir / f"{environment}.resources.txt").write_text(
                "\n".join(resources) + "\n", encoding="utf-8"
            )
        notes += verify(environment, emulator, outputs, account)
    except BaseException:
        # Tear down what exists, but report the first failure, not a teardown error.
        with contextlib.suppress(Failed):
            teardown(
                tf,
                emulator,
                account,
                environment,
                infra,
                env_dir,
                var_file,
                extra_vars,
                applied,
                notes,
                prove_refusals=False,
            )
        raise
    teardown(
        tf,
        emulator,
        account,
        environment,
        infra,
        env_dir,
        var_file,
        extra_vars,
        applied,
        notes,
        prove_refusals=True,
    )
    return Result(environment, time.monotonic() - started, len(resources), notes)


def teardown(
    tf: Terraform,
    emulator: Emulator,
    account: str,
    environment: str,
    infra: Path,
    env_dir: Path,
    var_file: str,
    extra_vars: list[str],
    applied: list[str],
    notes: list[str],
    *,
    prove_refusals: bool,
) -> None:
    if "environment" in applied:
        tf(env_dir, "destroy", "-auto-approve", "-input=false", *extra_vars)
    if "bootstrap" not in applied:
        return
    # After a failure the protections may not exist yet; only a complete apply proves them.
    if prove_refusals and environment == "prod":
        notes.append(refuse_state_bucket_destroy(tf, infra, var_file))
    (infra / "modules" / "state_backend" / OVERRIDE).write_text(
        STATE_BUCKET_TEARDOWN, encoding="utf-8"
    )
    # The bucket still holds every version of the environment's state: empty it here, as
    # force_destroy would only take effect after an extra apply.
    empty_bucket(emulator, account, backend_settings(env_dir)["bucket"])
    tf(infra / "bootstrap", "destroy", "-auto-approve", "-input=false", var_file)


def empty_bucket(emulator: Emulator, account: str, bucket: str) -> None:
    s3 = emulator.client("s3", access_key=account, secret_key=account)
    if bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        return  # a bootstrap that failed early never created it
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])


def extra_variables(environment: str, per_environment_accounts: bool) -> list[str]:
    """In per-environment-account mode prod names dev's account: the emulated one here."""
    if per_environment_accounts and environment == "prod":
        return [f"-var=dev_account_id={account_for('dev', True)}"]
    return []


def refuse_force_destroy(tf: Terraform, env_dir: Path, extra_vars: list[str]) -> str:
    try:
        tf(
            env_dir,
            "plan",
            "-input=false",
            "-refresh=false",
            "-var=force_destroy=true",
            *extra_vars,
        )
    except Failed as refused:
        if "force_destroy" in str(refused):
            return "prod refuses force_destroy=true"
        raise
    raise Failed("prod accepted force_destroy=true: its data could be destroyed with it")


def refuse_state_bucket_destroy(tf: Terraform, infra: Path, var_file: str) -> str:
    try:
        tf(infra / "bootstrap", "destroy", "-auto-approve", "-input=false", var_file)
    except Failed as refused:
        if "prevent_destroy" in str(refused):
            return "prod state bucket refuses an ordinary terraform destroy"
        raise
    raise Failed("terraform destroy removed prod's state bucket: it must be protected")


def verify_state(
    environment: str, emulator: Emulator, outputs: dict[str, Any], account: str
) -> list[str]:
    """Read back from the emulator what the answers promised for this environment."""
    variables = json.loads(
        (INFRA / "envs" / environment / "terraform.tfvars.json").read_text(encoding="utf-8")
    )
    budgets = emulator.client("budgets", access_key=account, secret_key=account)
    name = outputs["budget_name"]
    budget = budgets.describe_budget(AccountId=account, BudgetName=name)["Budget"]
    expected_filter = outputs["budget_cost_filter"]
    if budget.get("CostFilters") != expected_filter:
        raise Failed(
            f"{environment}: budget {name} filters {budget.get('CostFilters')}, expected {expected_filter}"
        )
    emails: set[str] = set()
    notifications = budgets.describe_notifications_for_budget(AccountId=account, BudgetName=name)[
        "Notifications"
    ]
    for notification in notifications:
        subscribers = budgets.describe_subscribers_for_notification(
            AccountId=account, BudgetName=name, Notification=notification
        )["Subscribers"]
        emails |= {s["Address"] for s in subscribers if s["SubscriptionType"] == "EMAIL"}
    if emails != set(variables["alert_emails"]):
        raise Failed(
            f"{environment}: budget alerts go to {sorted(emails)}, expected {variables['alert_emails']}"
        )
    return [
        f"budget {name}: {len(notifications)} alerts to {len(emails)} address(es), filter {expected_filter}"
    ]


def leftovers(emulator: Emulator, project: str, accounts: set[str]) -> list[str]:
    """Everything of this project that the emulator still holds, in every account used."""
    left: list[str] = []
    # Every name of the project starts with its slug and a separator: `-` (buckets, roles,
    # policies, budgets, log groups under /aws/codebuild/ or /ml/) or `/` (ECR repositories).
    mine = re.compile(rf"^(/aws/codebuild/|/ml/)?{re.escape(project)}[-/]")
    for account in sorted(accounts):

        def client(service: str, account: str = account) -> Any:
            return emulator.client(service, access_key=account, secret_key=account)

        left += [
            f"s3 bucket {b['Name']}"
            for b in client("s3").list_buckets().get("Buckets", [])
            if mine.match(b["Name"])
        ]
        iam = client("iam")
        left += [
            f"iam role {r['RoleName']}"
            for r in iam.list_roles()["Roles"]
            if mine.match(r["RoleName"])
        ]
        left += [
            f"iam policy {p['PolicyName']}"
            for p in iam.list_policies(Scope="Local")["Policies"]
            if mine.match(p["PolicyName"])
        ]
        left += [
            f"iam oidc provider {p['Arn']}"
            for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
        ]
        left += [
            f"ecr repository {r['repositoryName']}"
            for r in client("ecr").describe_repositories()["repositories"]
            if mine.match(r["repositoryName"])
        ]
        left += [
            f"codebuild project {p}"
            for p in client("codebuild").list_projects()["projects"]
            if mine.match(p)
        ]
        left += [
            f"budget {b['BudgetName']}"
            for b in client("budgets").describe_budgets(AccountId=account).get("Budgets", [])
            if mine.match(b["BudgetName"])
        ]
        left += [
            f"log group {g['logGroupName']}"
            for g in client("logs").describe_log_groups()["logGroups"]
            if mine.match(g["logGroupName"])
        ]
    return left


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--env", action="append", choices=ENVIRONMENTS, help="environment (repeatable; default dev)"
    )
    parser.add_argument("--all-envs", action="store_true", help="every environment, concurrently")
    parser.add_argument(
        "--out-dir",
        type=Path,
        help="keep each environment's plan, state (JSON) and terraform log here",
    )
    args = parser.parse_args(argv)
    environments = list(ENVIRONMENTS) if args.all_envs else (args.env or ["dev"])
    variables = json.loads(
        (INFRA / "envs" / environments[0] / "terraform.tfvars.json").read_text(encoding="utf-8")
    )
    project = variables["project"]
    per_environment_accounts = bool(variables.get("per_environment_accounts", False))
    started = time.monotonic()
    failures: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="infra-local-") as scratch,
        running_emulator() as emulator,
    ):
        print(f"emulator: moto on {emulator.endpoint}", flush=True)
        with ThreadPoolExecutor(max_workers=len(environments)) as pool:
            futures = {
                env: pool.submit(
                    cycle,
                    env,
                    emulator,
                    Path(scratch),
                    args.out_dir,
                    per_environment_accounts,
                    verify_state,
                )
                for env in environments
            }
            for env, future in futures.items():
                try:
                    result = future.result()
                except Failed as error:
                    failures.append(f"{env}: {error}")
                    print(f"FAIL  {env}: {error}", flush=True)
                    continue
                print(
                    f"ok    {env}: applied {result.resources} resources and destroyed them in {result.seconds:.1f}s",
                    flush=True,
                )
                for note in result.notes:
                    print(f"        {note}", flush=True)
        accounts = {account_for(env, per_environment_accounts) for env in environments}
        left = leftovers(emulator, project, accounts)
    print(f"left in the emulator after destroy: {len(left)} resource(s) of {project}", flush=True)
    for item in left:
        print(f"  {item}", flush=True)
    print(f"total {time.monotonic() - started:.1f}s", flush=True)
    if failures or left:
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print(
            "interrupted: the emulator was stopped and nothing was written to the project",
            file=sys.stderr,
        )
        sys.exit(130)
