"""Drift detection for one environment: does the cloud still match the code?

    python3 scripts/ci/drift.py --env dev

Plans infra/envs/<env> with `-detailed-exitcode` (run it as the environment's read-only plan
identity: the scheduled drift job assumes it). Exit code 2 (the plan would change something)
opens, or brings up to date, one issue per environment titled "Infrastructure drift in <env>",
with the plan's summary (addresses and actions, never values). A plan that changes nothing
closes that issue, if one is open. A failed plan touches no issue and exits 1.

The issue is the alert: the script exits 0 once the issue says what the plan found.

    python3 scripts/ci/drift.py --env dev --plan-json drift.plan.json --plan-exit-code 2

reports a plan made elsewhere (`terraform show -json` of it, and the plan's exit code): the
GitLab pipeline plans in the Terraform image, which holds the AWS token and no forge token,
and reports in a job that holds the forge token and no AWS token.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from forge import Forge, ForgeError, from_environment
from plan_summary import PlanSummary, summarize, summarize_file

PROJECT = Path(__file__).resolve().parents[2]
LABEL = "drift"
PLAN_FILE = "drift.tfplan"


def title_of(environment: str) -> str:
    return f"Infrastructure drift in {environment}"


def issue_body(environment: str, summary: PlanSummary) -> str:
    return (
        f"The scheduled drift check planned `{environment}` against its remote state and the "
        "code on the default branch, and the plan is not empty: the cloud differs from the code.\n\n"
        f"{summary.markdown()}\n\n"
        "Either apply the code (`make infra-plan ENV=" + environment + "`, review, deploy) or "
        "bring the code in line with the change made outside Terraform. This issue is updated "
        "by each run and closed by the first run that finds no drift."
    )


def plan(directory: Path) -> int:
    """terraform init and plan -detailed-exitcode: 0 nothing to do, 2 changes, 1 error."""
    init = subprocess.run(
        ["terraform", f"-chdir={directory}", "init", "-input=false", "-no-color"],
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        print(init.stdout + init.stderr, file=sys.stderr)
        return 1
    # -lock=false: a read-only check must never hold a deploy up.
    planned = subprocess.run(
        [
            "terraform",
            f"-chdir={directory}",
            "plan",
            "-input=false",
            "-lock=false",
            "-no-color",
            "-detailed-exitcode",
            f"-out={PLAN_FILE}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    print(planned.stdout)
    if planned.returncode not in (0, 2):
        print(planned.stderr, file=sys.stderr)
        return 1
    return planned.returncode


def report(forge: Forge, environment: str, summary: PlanSummary | None) -> str:
    """Open, update or close the environment's drift issue (None: no drift); say what was done."""
    title = title_of(environment)
    if summary is None:
        found = forge.find_open_issue(title, LABEL)
        if found is None:
            return f"{environment}: no drift"
        forge.close_issue(found, f"The drift check finds no drift in `{environment}` any more.")
        return f"{environment}: no drift; closed {found.url}"
    done, issue = forge.upsert_issue(title, issue_body(environment, summary), LABEL)
    return f"{environment}: drift ({summary.line()}); {done} {issue.url}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, help="the environment (infra/envs/<env>)")
    parser.add_argument(
        "--infra",
        type=Path,
        default=PROJECT / "infra",
        help="the infra folder (default: this project's)",
    )
    parser.add_argument(
        "--plan-json", type=Path, help="a plan made elsewhere, as `terraform show -json`"
    )
    parser.add_argument("--plan-exit-code", type=int, help="that plan's -detailed-exitcode")
    args = parser.parse_args(argv)
    directory = args.infra / "envs" / args.env
    if not directory.is_dir():
        print(f"no environment {args.env!r}: {directory} does not exist", file=sys.stderr)
        return 1
    if (args.plan_json is None) != (args.plan_exit_code is None):
        print("--plan-json and --plan-exit-code go together", file=sys.stderr)
        return 1
    try:
        forge = from_environment(dict(os.environ))
        code = plan(directory) if args.plan_exit_code is None else args.plan_exit_code
        if code not in (0, 2):
            print(f"{args.env}: the plan failed; no issue was touched", file=sys.stderr)
            return 1
        summary = None
        if code == 2 and args.plan_json is not None:
            summary = summarize(json.loads(args.plan_json.read_text(encoding="utf-8")))
        elif code == 2:
            summary = summarize_file(directory, PLAN_FILE)
        print(report(forge, args.env, summary))
    except (ForgeError, RuntimeError, OSError, ValueError) as error:
        print(f"{args.env}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
