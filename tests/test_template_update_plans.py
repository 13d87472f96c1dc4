"""The template-update request's plans, for real (issue 23): an AWS project at release N gets
N+1 through scripts/ci/template_update_pr.py, and the request's body carries dev's plan as the
job makes it: `terraform init` on dev's S3 state backend and a plan as dev's read-only plan
role (assumed with the OIDC token of a scheduled job on main), on the local AWS emulator with
IAM enforced. Environments without a plan role variable are listed as not planned.

What is simulated: the token's signature (the emulator trusts the local issuer, as in every
emulated apply) and the credentials' delivery: the job's AWS SDK would exchange the token
itself; here the plan role's session is written into dev's git-ignored emulator override, as
the drift test does. dev is bootstrapped (state bucket, roles) but not applied, so its plan
adds the whole stack.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from tests.support.forge_api import forge_api
from tests.support.infra_local import bootstrap_as_admin, load_apply_script
from tests.support.releases import git
from tests.test_template_update_pr import JOB_TOKEN, _project, _run, template_source  # noqa: F401
from tests.test_update import NEW, OLD

pytestmark = [pytest.mark.slow, pytest.mark.terraform]
REPOSITORY = "my-org/churn"


def test_the_update_request_shows_dev_planned_as_its_plan_role(
    template_source: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    project = tmp_path / "churn"
    _project(template_source, project, "github", cloud="aws")
    local = load_apply_script(project)
    from ci_tokens import github_token
    from emulator import running_emulator, web_identity_token

    with (
        tempfile.TemporaryDirectory(prefix="update-plans-") as scratch_name,
        running_emulator() as emulator,
        forge_api() as (api, state),
    ):
        scratch = Path(scratch_name)
        dev = bootstrap_as_admin(local, emulator, project, scratch)
        plan_role = str(dev.outputs["plan_role_arn"])

        # The scheduled job on main: dev's plan role, in the project's (ignored) override.
        job = github_token(REPOSITORY, ref="refs/heads/main")
        token = web_identity_token(job.issuer, job.audience, job.subject)
        planner = emulator.assume_role_with_web_identity(plan_role, token, "template-update")
        env_dir = project / "infra" / "envs" / "dev"
        local.write_environment_override(
            env_dir,
            emulator,
            local.Credentials(
                planner["access_key"], planner["secret_key"], planner["session_token"]
            ),
        )
        assert git(project, "status", "--porcelain") == ""  # the override is git-ignored

        forge_env = {
            **local.terraform_environment(emulator, scratch),
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_API_URL": api,
            "GITHUB_TOKEN": JOB_TOKEN,
            "AWS_PLAN_ROLE_ARN_DEV": plan_role,
        }
        done = _run(project, forge_env)
        assert done.returncode == 0, done.stdout + done.stderr
        sent = [r for r in state.writes() if r.path == f"/repos/{REPOSITORY}/pulls"]
        assert len(sent) == 1, [(r.method, r.path) for r in state.writes()]
        body = sent[0].body["body"]
        assert f"from `{OLD}` to `{NEW}`" in body
        dev = re.search(r"(?m)^- `dev`: (.*)$", body)
        assert dev, body
        added = re.search(r"(\d+) to add, 0 to change, 0 to destroy", dev[1])
        assert added and int(added[1]) > 10, dev[1]  # the whole stack, not yet applied
        listed = re.findall(r"(?m)^- `([a-z]+)`: ", body.split("## Plans")[1])
        assert listed == ["dev", "staging", "prod"]  # in deploy order
        for other in ("staging", "prod"):
            expected = f"- `{other}`: not planned (AWS_PLAN_ROLE_ARN_{other.upper()} is not set)"
            assert expected in body, body
        # The plan role made the plan: it read dev's state from the emulated state bucket.
        assert "plan failed" not in body and "plan unreadable" not in body
