"""The GCP Terraform (terraform_modules/gcp/, the template's GCP infra/): checkov's inline
skips are pinned with their reasons (that checkov reports no failure is the gcp answer set's
`make infra-scan` step in tests/test_generated_checks.py), and the GitHub and GitLab
pipelines reach Google Cloud by Workload Identity Federation only. The schema check is
tests/test_gcp_schema.py; terraform validate and test need the google provider (see
tests/terraform/test_modules.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.answer_checks import try_render
from tests.support.project import REPO_ROOT, answer_set, read_answers

GCP_TERRAFORM = [
    *sorted(REPO_ROOT.glob("terraform_modules/gcp/**/*.tf")),
    *sorted((REPO_ROOT / "template").glob("*cloud == 'gcp'*infra*/**/*.tf")),
]

# Every inline `#checkov:skip` of the GCP Terraform, by check ID. Adding a skip is a
# decision: it comes with a reason in the code and a change to this set.
PINNED_GCP_SKIPS = {
    "CKV2_GCP_5",  # project: data-access logs for storage only (cost of every other read)
    "CKV_GCP_117",  # plan account: roles/viewer, read-only by design
    "CKV_GCP_125",  # GitHub provider: pinned on the repository claim, not one exact sub
    "CKV_GCP_49",  # deploy account manages this environment's service accounts
    "CKV_GCP_62",  # buckets: Cloud Audit Logs instead of legacy usage logs
    "CKV_GCP_81",  # BigQuery: Google-managed encryption
    "CKV_GCP_84",  # Artifact Registry: Google-managed encryption
}


def test_gcp_terraform_is_found() -> None:
    assert len(GCP_TERRAFORM) > 30, GCP_TERRAFORM


def test_every_gcp_inline_skip_is_pinned_with_a_reason() -> None:
    skips = [
        line.split("checkov:skip=", 1)[1]
        for tf in GCP_TERRAFORM
        for line in tf.read_text(encoding="utf-8").splitlines()
        if "checkov:skip=" in line
    ]
    for skip in skips:
        check_id, _, reason = skip.partition(":")
        assert re.fullmatch(r"CKV2?_GCP_\d+", check_id), skip
        assert len(reason.strip()) > 20, f"skip {check_id} needs a reason"
    assert {s.partition(":")[0] for s in skips} == PINNED_GCP_SKIPS


# ---- the pipelines reach Google Cloud by Workload Identity Federation only ------------------


# GitLab on GCP: rendered here rather than as a tests/answers set, whose full generated
# check would repeat the gcp set's for one different CI file (which is checked below).
GITLAB_GCP = {
    **answer_set("gcp"),
    "project_name": "gcp-gitlab-project",
    "ci": "gitlab",
    "repository": "data-team/ml/gcp-gitlab-project",
    "gcp_project_prefix": "gcp-gitlab-ml",
    "gcp_parent": "organizations/987654321",
    "gcp_region": "us-central1",
}


def _render(fast_template: str, tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    answers = GITLAB_GCP if name == "gcp-gitlab" else answer_set(name)
    assert try_render(fast_template, dest, answers) is None
    return dest


def _no_keys(files: list[Path]) -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in files)
    # A service account key is a JSON of type service_account with a private_key; the only
    # credential configuration written is an external_account (a token exchange).
    for key_material in (
        "credentials_json",
        "GOOGLE_CREDENTIALS",
        "private_key",
        '"service_account"',
    ):
        assert key_material not in text, key_material


def test_github_gcp_pipeline_plans_each_environment_and_promotes_with_wif(
    tmp_path: Path, fast_template: str
) -> None:
    from tests.support.github_actions import workflows as expanded_workflows

    project = _render(fast_template, tmp_path, "gcp")
    prefix = read_answers(project)["gcp_project_prefix"]
    # cloud-login and build-image (.github/actions) inlined where the jobs call them.
    loaded = expanded_workflows(project)
    ci, deploy = loaded["ci.yml"], loaded["deploy.yml"]
    jobs = ci["jobs"]
    plans = jobs["plan"]["strategy"]["matrix"]["include"]
    assert [p["environment"] for p in plans] == ["dev", "staging", "prod"]
    plan_auth = next(
        s for s in jobs["plan"]["steps"] if "google-github-actions/auth@" in s.get("uses", "")
    )
    assert plan_auth["with"]["service_account"] == (
        f"ci-plan@{prefix}-${{{{ matrix.environment }}}}.iam.gserviceaccount.com"
    )
    assert plan_auth["with"]["workload_identity_provider"] == "${{ matrix.credential }}"
    assert jobs["deploy-prod"]["needs"] == ["deploy-staging"]
    assert {jobs[f"deploy-{e}"]["with"]["environment"] for e in ("dev", "staging", "prod")} == {
        "dev", "staging", "prod",
    }  # fmt: skip
    job = deploy["jobs"]["deploy"]
    # The GitHub environment is what the deploy account trusts (attribute.deploy).
    assert job["environment"] == "${{ inputs.environment }}"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    auth = next(s for s in job["steps"] if "google-github-actions/auth@" in s.get("uses", ""))
    assert auth["with"]["service_account"] == (
        f"ci-deploy@{prefix}-${{{{ inputs.environment }}}}.iam.gserviceaccount.com"
    )
    assert any("gcloud builds submit" in s.get("run", "") for s in job["steps"])
    _no_keys(sorted((project / ".github").rglob("*.yml")))


def test_gitlab_gcp_pipeline_deploys_from_protected_environments_with_wif(
    tmp_path: Path, fast_template: str
) -> None:
    from tests.support.gitlab_ci import ci_files, load_pipeline, resolved

    project = _render(fast_template, tmp_path, "gcp-gitlab")
    prefix = read_answers(project)["gcp_project_prefix"]
    pipeline = load_pipeline(project)
    for env, previous in (("dev", None), ("staging", "dev"), ("prod", "staging")):
        deploy = resolved(pipeline, f"deploy-{env}")
        assert deploy["environment"]["name"] == env
        assert deploy["variables"]["GCP_SERVICE_ACCOUNT"] == (
            f"ci-deploy@{prefix}-{env}.iam.gserviceaccount.com"
        )
        assert deploy["id_tokens"]["GCP_ID_TOKEN"]["aud"].endswith(
            f"$GCP_WIF_PROVIDER_{env.upper()}"
        )
        if previous:
            assert f"image-{previous}" in deploy["needs"]
            assert deploy["rules"][0]["when"] == "manual"
        plan = resolved(pipeline, f"plan-{env}")
        assert plan["variables"]["GCP_SERVICE_ACCOUNT"].startswith("ci-plan@")
        # Read-only: the plan account cannot take the state lock.
        assert '-lock="$TF_PLAN_LOCK"' in " ".join(plan["script"])
        assert plan["variables"]["TF_PLAN_LOCK"] == "false"
        # Drift: planned as the same read-only account, only in the drift schedule.
        drift = resolved(pipeline, f"drift-{env}")
        assert drift["id_tokens"] == plan["id_tokens"]
        assert drift["variables"]["GCP_SERVICE_ACCOUNT"] == plan["variables"]["GCP_SERVICE_ACCOUNT"]
        assert "-detailed-exitcode" in "\n".join(drift["script"])
        assert '$DRIFT_CHECK == "true"' in drift["rules"][0]["if"]
    # The template update plans every environment as its plan account, one token each.
    update = resolved(pipeline, "template-update")
    assert set(update["id_tokens"]) == {
        "GCP_ID_TOKEN_DEV",
        "GCP_ID_TOKEN_STAGING",
        "GCP_ID_TOKEN_PROD",
    }
    assert update["variables"]["GCP_PLAN_SERVICE_ACCOUNT_PROD"] == (
        f"ci-plan@{prefix}-prod.iam.gserviceaccount.com"
    )
    files = ci_files(project)
    assert [p.relative_to(project).as_posix() for p in files] == [
        ".gitlab-ci.yml",
        ".gitlab/ci/gcp.yml",
    ]
    _no_keys(files)
    # Scheduled training exists for AWS only (as on GitHub): no GCP job trains.
    assert not [name for name in pipeline if "train" in name]
    # The GitLab CI schema, as the project's `make ci-lint` checks it.
    schema = subprocess.run(
        [shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or "check-jsonschema", "--builtin-schema",
         "vendor.gitlab-ci", *map(str, files)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert schema.returncode == 0, schema.stdout + schema.stderr


# ---- who CI is, and who may act as what, is set by a person in the bootstrap ---------------


def _hcl(path: Path) -> dict[str, Any]:
    import hcl2
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(with_comments=False)
    return dict(hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=options))


IDENTITY_RESOURCES = re.compile(
    r'resource "(google_service_account|google_service_account_iam_\w+|google_project_iam_\w+'
    r'|google_iam_workload_identity_pool\w*)"'
)


def test_what_ci_applies_makes_and_binds_no_identity(fast_template: str, tmp_path: Path) -> None:
    """CI applies infra/envs/<env> (the stack and the modules it calls): nothing there makes a
    service account, binds a project role or a service account's IAM, or touches the
    Workload Identity pool. infra/bootstrap, applied by a person, holds all of it (the
    rendered bindings are checked for self-escalation by tests/test_gcp_iam.py)."""
    infra = _render(fast_template, tmp_path, "gcp") / "infra"
    stack = _hcl(infra / "stack" / "main.tf")
    applied_by_ci = [infra / "stack", infra / "envs" / "dev"] + [
        infra / "stack" / str(call["source"]).strip('"')
        for entry in stack["module"]
        for name, call in entry.items()
        if not name.startswith("__")
    ]
    for folder in applied_by_ci:
        for tf in sorted(folder.resolve().glob("*.tf")):
            found = IDENTITY_RESOURCES.findall(tf.read_text(encoding="utf-8"))
            assert not found, f"{tf}: {found}"
    bootstrap = _hcl(infra / "bootstrap" / "main.tf")
    calls = {name.strip('"'): call for entry in bootstrap["module"] for name, call in entry.items()}
    assert calls["ci"]["source"].strip('"') == "../modules/wif"
    assert calls["service_accounts"]["source"].strip('"') == "../modules/service_accounts"
    local = {k: v for entry in bootstrap["locals"] for k, v in entry.items()}
    deploy_roles = {role.strip('"') for role in local["deploy_roles"]}
    administers_iam = {
        "roles/owner",
        "roles/editor",
        "roles/iam.serviceAccountAdmin",
        "roles/iam.workloadIdentityPoolAdmin",
        "roles/resourcemanager.projectIamAdmin",
    }
    assert deploy_roles and not deploy_roles & administers_iam
    # modules/wif refuses such a role in deploy_roles (its terraform test plants two).
    variables = _hcl(infra / "modules" / "wif" / "variables.tf")
    (deploy,) = [e['"deploy_roles"'] for e in variables["variable"] if '"deploy_roles"' in e]
    (rule,) = deploy["validation"]
    for role in administers_iam:
        assert role in rule["condition"]
