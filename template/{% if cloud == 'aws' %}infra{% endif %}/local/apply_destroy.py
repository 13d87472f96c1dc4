"""Apply and destroy this project's infrastructure on a local AWS emulator, offline, with IAM
enforced and each environment applied as its own CI deploy role.

    uv run python infra/local/apply_destroy.py --env dev        # what `make infra-local` runs
    uv run python infra/local/apply_destroy.py --all-envs

For each environment: copy infra/ to a temporary folder; as the account's administrator,
apply infra/bootstrap (the state bucket and every identity: the CI roles, the workload roles,
the account's OIDC provider); then, as CI does, get the deploy role's credentials from STS
with the OIDC token that environment's deploy job carries (AssumeRoleWithWebIdentity: the
emulator checks the token's issuer, audience and subject against the role's trust), and as
that role init the environment against the state bucket, plan, apply, read back what the
answers promised (budget, alert subscribers, tags) and every IAM document of the
environment, and destroy it; destroy the bootstrap as the administrator; list what the
emulator still holds of this project and fail if anything is left. A permission the deploy
role lacks fails the apply with the refused action and resource named. Nothing is written
into the project; the emulator stops with the run, also on failure or Ctrl-C.

--out-dir keeps, per environment: <env>.plan.json and <env>.bootstrap.plan.json (the plans
applied), <env>.outputs.json and <env>.bootstrap.outputs.json, <env>.resources.txt, and
<env>.applied-policies.json (applied_policies.py says what it holds); <env>.log has every
terraform command's output. Long steps report their progress at least every
PROGRESS_SECONDS.

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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from applied_policies import applied_policies
from ci_tokens import deploy_job_token
from emulator import ACCOUNT_ID, Emulator, running_emulator, web_identity_token
from prod_data_access import ProbeFailed, ProdDataProbe

INFRA = Path(__file__).resolve().parents[1]
PROJECT = INFRA.parent
ENVIRONMENTS = tuple(sorted(p.name for p in (INFRA / "envs").iterdir() if p.is_dir()))
MIRROR_VAR = "DAYONE_TF_MIRROR"
OVERRIDE = "zz_emulator_override.tf"
# A long step says what it is doing at least this often.
PROGRESS_SECONDS = 10.0
# How long an environment waits for another (the one whose bootstrap makes the account's
# OIDC provider) before giving up.
WAIT_SECONDS = 900.0

# The provider talks to the emulator with fake keys and path-style S3 URLs.
PROVIDER_OVERRIDE = """\
provider "aws" {
  access_key                  = "%(access_key)s"
  secret_key                  = "%(secret_key)s"
%(token_line)s  s3_use_path_style           = true
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
    secret_key                  = "%(secret_key)s"
%(token_line)s    endpoints                   = { s3 = "%(endpoint)s", sts = "%(endpoint)s" }
    use_path_style              = true
    skip_credentials_validation = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
  }
}
"""


INIT_LOCK = threading.Lock()
PRINT_LOCK = threading.Lock()


class Failed(Exception):
    """A step failed; the message says which and why."""


def say(text: str) -> None:
    with PRINT_LOCK:
        print(text, flush=True)


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@dataclass(frozen=True)
class Credentials:
    """Who terraform acts as: the account's administrator, or a role's session."""

    access_key: str
    secret_key: str
    session_token: str | None = None
    who: str = "the administrator"

    def for_client(self) -> dict[str, str]:
        found = {"access_key": self.access_key, "secret_key": self.secret_key}
        if self.session_token:
            found["session_token"] = self.session_token
        return found

    def fields(self, indent: str) -> dict[str, str]:
        token = f'{indent}token                       = "{self.session_token}"\n'
        return {
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "token_line": token if self.session_token else "",
        }


# Terraform's words for a resource done, waited on, and the plan's size.
DONE = re.compile(r": (Creation|Destruction|Modifications) complete")
STILL = re.compile(r"^(\S+): Still (\w+)\.\.\. \[(\S+) elapsed\]")
PLAN_SIZE = re.compile(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy")


@dataclass
class Terraform:
    env: dict[str, str]
    label: str  # the environment, in progress lines
    log: Path | None = None  # --log-dir: every command's output, for a look when one fails

    def __call__(
        self, directory: Path, *args: str, phase: str | None = None, total: int | None = None
    ) -> str:
        """Run terraform; with `phase`, report progress every PROGRESS_SECONDS (resources
        done of the plan's total, what terraform is waiting on)."""
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
            returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
        else:
            returncode, stdout, stderr = self._streamed(command, phase, total)
        if self.log is not None:
            took = time.monotonic() - started
            with self.log.open("a", encoding="utf-8") as log:
                log.write(
                    f"$ terraform {' '.join(args)} ({directory.name}) [{took:.1f}s]\n{stdout}{stderr}\n"
                )
        if returncode != 0:
            raise Failed(
                f"terraform {args[0]} in {directory.name} failed:\n{tail(stderr or stdout)}"
            )
        return stdout

    def _streamed(
        self, command: list[str], phase: str | None, total: int | None
    ) -> tuple[int, str, str]:
        process = subprocess.Popen(
            command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        lines: list[str] = []
        errors: list[str] = []
        state = {"done": 0, "total": total, "waiting": ""}
        finished = threading.Event()

        def read_errors() -> None:
            assert process.stderr is not None
            errors.extend(process.stderr)

        def report() -> None:
            started = time.monotonic()
            while not finished.wait(PROGRESS_SECONDS):
                of = f" of {state['total']}" if state["total"] is not None else ""
                waiting = f"; waiting on {state['waiting']}" if state["waiting"] else ""
                say(
                    f"  {self.label}: {phase}: {state['done']}{of} resources done, "
                    f"{time.monotonic() - started:.0f}s{waiting}"
                )

        reader = threading.Thread(target=read_errors, daemon=True)
        reader.start()
        ticker = threading.Thread(target=report, daemon=True) if phase else None
        if ticker:
            ticker.start()
        try:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                if DONE.search(line):
                    state["done"] += 1  # type: ignore[operator]
                elif (still := STILL.search(line)) is not None:
                    state["waiting"] = f"{still.group(1)} ({still.group(3)})"
                elif (size := PLAN_SIZE.search(line)) is not None and state["total"] is None:
                    state["total"] = sum(int(n) for n in size.groups())
            process.wait()
        finally:
            finished.set()
            if process.poll() is None:
                process.kill()
                process.wait()
        reader.join()
        return process.returncode, "".join(lines), "".join(errors)


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


def variables_of(environment: str) -> dict[str, Any]:
    path = INFRA / "envs" / environment / "terraform.tfvars.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def account_for(environment: str, per_environment_accounts: bool) -> str:
    """moto keeps one account per 12-digit access key: per-environment accounts get their own."""
    if not per_environment_accounts:
        return ACCOUNT_ID
    return str(100000000001 + ENVIRONMENTS.index(environment))


def provider_maker(environment: str) -> str:
    """The environment whose bootstrap makes the OIDC provider `environment` uses: its own,
    or, when environments share an account, the one whose answers say it creates it."""
    if variables_of(environment).get("create_oidc_provider", True):
        return environment
    return next(e for e in ENVIRONMENTS if variables_of(e).get("create_oidc_provider", True))


class SharedProviders:
    """One OIDC provider per account, made by one environment's bootstrap: the account's
    other environments assume their roles once it exists, and its maker destroys it only
    after they have."""

    def __init__(self, members: dict[str, set[str]]) -> None:
        self._members = members  # maker -> the other environments that use its provider
        self._made = {maker: threading.Event() for maker in members}
        self._failed: set[str] = set()
        self._assumed: dict[str, set[str]] = {maker: set() for maker in members}
        self._changed = threading.Condition()

    def made(self, maker: str, ok: bool = True) -> None:
        if maker in self._made and not self._made[maker].is_set():
            if not ok:
                self._failed.add(maker)
            self._made[maker].set()

    def wait_made(self, maker: str) -> None:
        if maker not in self._made:
            return
        if not self._made[maker].wait(WAIT_SECONDS) or maker in self._failed:
            raise Failed(f"{maker}'s bootstrap, which makes the account's OIDC provider, failed")

    def assumed(self, maker: str, environment: str) -> None:
        with self._changed:
            self._assumed.setdefault(maker, set()).add(environment)
            self._changed.notify_all()

    def wait_assumed(self, maker: str) -> None:
        with self._changed:
            self._changed.wait_for(
                lambda: self._members.get(maker, set()) <= self._assumed.get(maker, set()),
                timeout=WAIT_SECONDS,
            )


@dataclass
class Result:
    environment: str
    seconds: float
    resources: int
    notes: list[str] = field(default_factory=list)


def write_record(out_dir: Path | None, name: str, text: str) -> None:
    if out_dir is not None:
        (out_dir / name).write_text(text, encoding="utf-8")


def deploy_credentials(
    environment: str,
    emulator: Emulator,
    variables: dict[str, Any],
    bootstrap_outputs: dict[str, Any],
    admin: Credentials,
) -> Credentials:
    """The deploy role's session, from STS, for the token the environment's deploy job
    carries; without CI there is no deploy role, and the administrator applies."""
    ci = str(variables.get("ci", "none"))
    if ci == "none":
        return admin
    role_arn = str(bootstrap_outputs["deploy_role_arn"])
    job = deploy_job_token(PROJECT, ci, str(variables["repository"]), environment)
    token = web_identity_token(job.issuer, job.audience, job.subject)
    try:
        found = emulator.assume_role_with_web_identity(role_arn, token, f"deploy-{environment}")
    except Exception as error:  # botocore's ClientError: the trust refused the job's token
        raise Failed(
            f"STS refused the token of job {job.description} (aud {job.audience}, sub "
            f"{job.subject}) for {role_arn}: {error}"
        ) from None
    return Credentials(
        found["access_key"],
        found["secret_key"],
        found["session_token"],
        f"{role_arn} ({job.description})",
    )


def cycle(
    environment: str,
    emulator: Emulator,
    scratch: Path,
    out_dir: Path | None,
    per_environment_accounts: bool,
    verify: Callable[[str, Emulator, dict[str, Any], str], list[str]],
    providers: SharedProviders | None = None,
) -> Result:
    started = time.monotonic()
    providers = providers or SharedProviders({})
    account = account_for(environment, per_environment_accounts)
    maker = provider_maker(environment)
    variables = variables_of(environment)
    admin_key, admin_secret = emulator.admin_credentials(account)
    admin = Credentials(admin_key, admin_secret)
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
    tf = Terraform(terraform_environment(emulator, work), environment)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        tf.log = out_dir / f"{environment}.log"
        tf.log.write_text("", encoding="utf-8")  # this run's commands only
    var_file = f"-var-file={(infra / 'envs' / environment / 'terraform.tfvars.json').resolve()}"
    extra_vars = extra_variables(environment, per_environment_accounts)
    bootstrap = infra / "bootstrap"
    (bootstrap / OVERRIDE).write_text(PROVIDER_OVERRIDE % admin.fields("  "), encoding="utf-8")
    env_dir = infra / "envs" / environment
    notes: list[str] = []
    applied: list[str] = []  # what needs destroying, in the order it was applied
    resources: list[str] = []
    try:
        say(f"  {environment}: bootstrap (state bucket and identities), as the administrator")
        tf(bootstrap, "init", "-input=false")
        bootstrap_plan = work / "bootstrap.tfplan"
        # With the account's slice endpoints, which the environment's tfvars leave off because
        # they cost: the emulator shows they apply (made by the OIDC provider's maker only).
        tf(
            bootstrap,
            "plan",
            "-input=false",
            f"-out={bootstrap_plan}",
            var_file,
            "-var=slice_endpoints=true",
        )
        # Counted before it runs: a failed apply can still leave what it created first.
        applied.append("bootstrap")
        tf(bootstrap, "apply", "-input=false", str(bootstrap_plan), phase="bootstrap apply")
        if maker == environment:
            providers.made(maker)
        bootstrap_outputs = outputs_of(tf, bootstrap)
        endpoints = sorted(bootstrap_outputs.get("slice_endpoint_ids") or {})
        if endpoints:
            say(f"  {environment}: the account's slice endpoints: {', '.join(endpoints)}")
        if out_dir is not None:
            write_record(
                out_dir,
                f"{environment}.bootstrap.plan.json",
                tf(bootstrap, "show", "-json", str(bootstrap_plan)),
            )
            write_record(
                out_dir, f"{environment}.bootstrap.outputs.json", json.dumps(bootstrap_outputs)
            )
        try:
            if maker != environment:
                providers.wait_made(maker)
            actor = deploy_credentials(environment, emulator, variables, bootstrap_outputs, admin)
        finally:
            providers.assumed(maker, environment)
        say(f"  {environment}: the stack, as {actor.who}")
        backend = backend_settings(env_dir)
        write_environment_override(env_dir, emulator, actor)
        tf(env_dir, "init", "-input=false")
        if environment == "prod":
            notes.append(refuse_force_destroy(tf, env_dir, extra_vars))
        plan_file = work / "plan.tfplan"
        planned = tf(
            env_dir, "plan", "-input=false", f"-out={plan_file}", *extra_vars, phase="plan"
        )
        size = PLAN_SIZE.search(planned)
        total = sum(int(n) for n in size.groups()) if size else None
        if out_dir is not None:
            write_record(
                out_dir, f"{environment}.plan.json", tf(env_dir, "show", "-json", str(plan_file))
            )
        applied.append("environment")
        tf(env_dir, "apply", "-input=false", str(plan_file), phase="apply", total=total)
        outputs = outputs_of(tf, env_dir)
        resources = [
            line
            for line in tf(env_dir, "state", "list").splitlines()
            if line
            and not line.startswith(("data.", "module.stack.data."))
            and ".data." not in line
        ]
        write_record(out_dir, f"{environment}.outputs.json", json.dumps(outputs))
        write_record(out_dir, f"{environment}.resources.txt", "\n".join(resources) + "\n")
        policies = read_back_policies(
            emulator, account, f"{backend['bucket'].removesuffix('-tfstate')}-"
        )
        write_record(
            out_dir, f"{environment}.applied-policies.json", json.dumps(policies, indent=1)
        )
        notes.append(
            f"applied as {actor.who}; {len(policies)} IAM documents read back "
            f"({', '.join(sorted({p['kind'] for p in policies}))})"
        )
        notes += verify(environment, emulator, outputs, account)
    except BaseException:
        # Nobody may wait on a failed environment: its provider (if it makes one) will not
        # come, and it will assume no role.
        if maker == environment:
            providers.made(maker, ok=False)  # a no-op once made
        providers.assumed(maker, environment)
        # Tear down what exists, but report the first failure, not a teardown error.
        with contextlib.suppress(Failed):
            teardown(tf, emulator, account, environment, infra, env_dir, var_file, extra_vars,
                     applied, notes, prove_refusals=False)  # fmt: skip
        raise
    teardown(tf, emulator, account, environment, infra, env_dir, var_file, extra_vars, applied,
             notes, prove_refusals=True, providers=providers, maker=maker)  # fmt: skip
    return Result(environment, time.monotonic() - started, len(resources), notes)


def write_environment_override(env_dir: Path, emulator: Emulator, actor: Credentials) -> None:
    """The environment's provider and S3 backend act as `actor`, on the emulator."""
    (env_dir / OVERRIDE).write_text(
        PROVIDER_OVERRIDE % actor.fields("  ")
        + BACKEND_OVERRIDE
        % {**backend_settings(env_dir), "endpoint": emulator.endpoint, **actor.fields("    ")},
        encoding="utf-8",
    )


def outputs_of(tf: Terraform, directory: Path) -> dict[str, Any]:
    return {k: v["value"] for k, v in json.loads(tf(directory, "output", "-json")).items()}


def read_back_policies(emulator: Emulator, account: str, prefix: str) -> list[dict[str, Any]]:
    admin = {"access_key": account, "secret_key": account}
    return applied_policies(emulator.client("iam", **admin), emulator.client("s3", **admin), prefix)


# What this run applied is destroyed as it was applied: nothing else touches the emulator in
# between, so refreshing every resource first would only read back what the apply wrote (about
# 2 CPU-s and 8 s per environment). After a failure the state may not match, and the
# administrator's clean-up destroy refreshes.
DESTROY_APPLIED = ("-auto-approve", "-input=false", "-refresh=false")


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
    providers: SharedProviders | None = None,
    maker: str | None = None,
) -> None:
    if "environment" in applied:
        try:
            tf(env_dir, "destroy", *DESTROY_APPLIED, *extra_vars, phase="destroy")
        except Failed:
            if prove_refusals:
                raise
            # After a failure, leave the emulator clean for whatever runs next: what the
            # deploy role could not destroy, the administrator does (the failure is reported).
            write_environment_override(
                env_dir, emulator, Credentials(*emulator.admin_credentials(account))
            )
            tf(env_dir, "init", "-input=false", "-reconfigure")
            tf(env_dir, "destroy", "-auto-approve", "-input=false", *extra_vars, phase="destroy")
    if "bootstrap" not in applied:
        return
    if providers is not None and maker == environment:
        # The account's OIDC provider goes with this bootstrap: not before the other
        # environments of the account have their credentials.
        providers.wait_assumed(environment)
    # After a failure the protections may not exist yet; only a complete apply proves them.
    if prove_refusals and environment == "prod":
        notes.append(refuse_state_bucket_destroy(tf, infra, var_file))
    (infra / "modules" / "state_backend" / OVERRIDE).write_text(
        STATE_BUCKET_TEARDOWN, encoding="utf-8"
    )
    # The bucket still holds every version of the environment's state: empty it here, as
    # force_destroy would only take effect after an extra apply.
    empty_bucket(emulator, account, backend_settings(env_dir)["bucket"])
    tf(infra / "bootstrap", "destroy", *DESTROY_APPLIED, var_file, phase="bootstrap destroy")


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


@contextlib.contextmanager
def makers_bootstrapped(
    makers: set[str], emulator: Emulator, scratch: Path, per_env: bool
) -> Iterator[None]:
    """The bootstraps that make a provider the run's environments use, when their own
    environment is not in the run (`--env staging` of a shared account needs dev's)."""
    done: list[tuple[Terraform, Path, str, str]] = []
    try:
        for maker in sorted(makers):
            account = account_for(maker, per_env)
            key, secret = emulator.admin_credentials(account)
            work = scratch / f"{maker}-provider"
            shutil.copytree(
                INFRA, work / "infra", ignore=shutil.ignore_patterns(".terraform", "local")
            )
            bootstrap = work / "infra" / "bootstrap"
            (bootstrap / OVERRIDE).write_text(
                PROVIDER_OVERRIDE % Credentials(key, secret).fields("  "), encoding="utf-8"
            )
            (work / "infra" / "modules" / "state_backend" / OVERRIDE).write_text(
                STATE_BUCKET_TEARDOWN, encoding="utf-8"
            )
            tf = Terraform(terraform_environment(emulator, work), maker)
            var_file = (
                f"-var-file={(work / 'infra' / 'envs' / maker / 'terraform.tfvars.json').resolve()}"
            )
            say(f"  {maker}: bootstrap, for the account's OIDC provider the others use")
            tf(bootstrap, "init", "-input=false")
            done.append((tf, bootstrap, var_file, account))
            tf(
                bootstrap,
                "apply",
                "-auto-approve",
                "-input=false",
                var_file,
                phase="bootstrap apply",
            )
        yield
    finally:
        for tf, bootstrap, var_file, account in reversed(done):
            with contextlib.suppress(Failed):
                state = variables_of(tf.label)["project"]
                empty_bucket(emulator, account, f"{state}--{tf.label}-tfstate")
                tf(bootstrap, "destroy", "-auto-approve", "-input=false", var_file,
                   phase="bootstrap destroy")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--env", action="append", choices=ENVIRONMENTS, help="environment (repeatable; default dev)"
    )
    parser.add_argument("--all-envs", action="store_true", help="every environment, concurrently")
    parser.add_argument(
        "--out-dir",
        type=Path,
        help="keep each environment's plans, outputs, applied IAM documents and terraform log here",
    )
    args = parser.parse_args(argv)
    environments = list(ENVIRONMENTS) if args.all_envs else sorted(set(args.env or ["dev"]))
    variables = variables_of(environments[0])
    project = variables["project"]
    per_environment_accounts = bool(variables.get("per_environment_accounts", False))
    uses_ci = variables.get("ci", "none") != "none"
    makers = {env: provider_maker(env) for env in environments} if uses_ci else {}
    members = {
        maker: {env for env, m in makers.items() if m == maker and env != maker}
        for maker in set(makers.values())
    }
    missing_makers = set(makers.values()) - set(environments)
    started = time.monotonic()
    failures: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="infra-local-") as scratch,
        running_emulator() as emulator,
    ):
        accounts = {
            account_for(env, per_environment_accounts) for env in [*environments, *missing_makers]
        }
        for account in sorted(accounts):
            emulator.admin_credentials(account)
        emulator.enforce_iam(True)
        say(
            f"emulator: moto on {emulator.endpoint}, IAM enforced; each environment is applied "
            + (
                "as its deploy role (OIDC token of its deploy job)"
                if uses_ci
                else "as the administrator (no CI roles)"
            )
        )
        providers = SharedProviders({m: members[m] for m in members if m in environments})
        # With dev and prod both applied, dev's read-only access to prod's data is tried too.
        order = variables["environments"]
        both = order[0] in environments and order[-1] in environments and len(order) > 1
        access = ProdDataProbe(order[0], order[-1], args.out_dir) if both else None
        verify = access.verify_with(verify_state) if access else verify_state

        def run(env: str) -> Result:
            try:
                return cycle(
                    env, emulator, Path(scratch), args.out_dir, per_environment_accounts,
                    verify, providers,
                )  # fmt: skip
            except BaseException:
                if access:
                    access.abort()  # the other environment must not wait for this one
                raise

        with (
            makers_bootstrapped(missing_makers, emulator, Path(scratch), per_environment_accounts),
            ThreadPoolExecutor(max_workers=len(environments)) as pool,
        ):
            futures = {env: pool.submit(run, env) for env in environments}
            for env, future in futures.items():
                try:
                    result = future.result()
                except (Failed, ProbeFailed) as error:
                    failures.append(f"{env}: {error}")
                    say(f"FAIL  {env}: {error}")
                    continue
                say(
                    f"ok    {env}: applied {result.resources} resources and destroyed them in {result.seconds:.1f}s"
                )
                for note in result.notes:
                    say(f"        {note}")
        left = leftovers(emulator, project, accounts)
    say(f"left in the emulator after destroy: {len(left)} resource(s) of {project}")
    for item in left:
        say(f"  {item}")
    say(f"total {time.monotonic() - started:.1f}s")
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
