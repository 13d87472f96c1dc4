"""GCP self-escalation (dayone.gcp_iam), evaluated from the rendered Terraform's bindings and
conditions: there is no emulator of GCP IAM, so nothing is applied. The rendered GCP projects
pass (GitHub, GitLab, no CI); each planted way for an identity CI can assume to change who
CI is fails by name: the deploy account's former unconditioned service account and pool
admin roles, a token creator binding on ci-deploy to ci-deploy, owner on an account CI may
act as, project IAM admin without a limit or with one that lists an escalating role."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dayone.checks import gcp_iam
from dayone.cli import app
from tests.support.answer_checks import try_render
from tests.support.project import answer_set
from tests.test_gcp_infra import GITLAB_GCP

ANSWERS = {
    "gcp": answer_set("gcp"),
    "gcp-gitlab": GITLAB_GCP,
    "gcp-no-ci": {**answer_set("gcp"), "project_name": "gcp-solo", "ci": "none"},
}


Rendered = Callable[[str], Path]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, fast_template: str) -> Rendered:
    """A GCP variant, rendered once when first asked for (no lock, no commit: its files)."""
    projects: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in projects:
            dest = tmp_path_factory.mktemp(name) / "project"
            assert try_render(fast_template, dest, ANSWERS[name]) is None
            projects[name] = dest
        return projects[name]

    return get


@pytest.fixture
def project(rendered: Rendered, tmp_path: Path) -> Path:
    """A copy of the GitHub variant to plant a binding in."""
    return Path(shutil.copytree(rendered("gcp"), tmp_path / "project"))


def _plant(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _findings(project: Path) -> list[str]:
    return [str(f) for f in gcp_iam.check_tree(project / "infra").findings]


@pytest.mark.parametrize("name", ["gcp", "gcp-gitlab"])
def test_rendered_projects_have_no_self_escalation(rendered: Rendered, name: str) -> None:
    report = gcp_iam.check_tree(rendered(name) / "infra")
    assert report.findings == [], report.describe()
    assert report.environments == ["dev", "staging", "prod"]
    for env in report.environments:
        prefix = ANSWERS[name].get("gcp_project_prefix", "gcp-project")
        accounts = {
            f"serviceAccount:{a}@{prefix}-{env}.iam.gserviceaccount.com"
            for a in ("ci-deploy", "ci-plan")
        }
        # The pool's principals and the accounts they may act as: what the rules protect.
        assert accounts <= set(report.ci_identities[env])
        assert any(m.startswith("principalSet://") for m in report.ci_identities[env])
        workloads = {
            f"serviceAccount:{a}@{prefix}-{env}.iam.gserviceaccount.com"
            for a in ("training", "image-build")
        }
        assert workloads <= set(report.assumable[env]) - set(report.ci_identities[env])
    assert "no emulator of GCP IAM exists" in report.describe()


def test_a_project_without_ci_has_no_ci_identity(rendered: Rendered) -> None:
    report = gcp_iam.check_tree(rendered("gcp-no-ci") / "infra")
    assert report.findings == []
    assert report.ci_identities == {"dev": [], "staging": [], "prod": []}


def test_the_former_unconditioned_admin_roles_fail(project: Path) -> None:
    """What main granted the deploy account: service account and pool admin, unconditioned."""
    _plant(
        project / "infra" / "bootstrap" / "main.tf",
        '    "roles/storage.admin",\n  ]',
        '    "roles/storage.admin",\n    "roles/iam.serviceAccountAdmin",\n'
        '    "roles/iam.workloadIdentityPoolAdmin",\n  ]',
    )
    findings = _findings(project)
    for env in ("dev", "staging", "prod"):
        deploy = f"serviceAccount:ci-deploy@gcp-project-{env}.iam.gserviceaccount.com"
        assert any(
            f.startswith(f"{env}: {deploy} holds roles/iam.serviceAccountAdmin")
            and "can set the IAM policy of every service account of the project" in f
            for f in findings
        ), findings
        assert any(
            f.startswith(f"{env}: {deploy} holds roles/iam.workloadIdentityPoolAdmin")
            and "can modify the Workload Identity pool" in f
            for f in findings
        ), findings


def test_a_token_creator_binding_on_ci_deploy_to_itself_fails(project: Path) -> None:
    _append(
        project / "infra" / "bootstrap" / "main.tf",
        '\nresource "google_service_account_iam_member" "planted" {\n'
        '  service_account_id = "projects/${local.iam_project_id}/serviceAccounts/'
        'ci-deploy@${local.iam_project_id}.iam.gserviceaccount.com"\n'
        '  role               = "roles/iam.serviceAccountTokenCreator"\n'
        "  member             = module.ci[0].deploy_service_account_member\n}\n",
    )
    findings = _findings(project)
    assert len(findings) == 3, findings  # one per environment
    assert all(
        "holds roles/iam.serviceAccountTokenCreator (bootstrap: google_service_account_iam_member"
        ".planted): can act as, or create keys or tokens for, the CI identity ci-deploy" in f
        for f in findings
    ), findings


def test_owner_on_an_account_ci_may_act_as_fails(project: Path) -> None:
    """training is not a CI identity, but CI acts as it (Vertex AI jobs): its rights count."""
    _append(
        project / "infra" / "stack" / "main.tf",
        '\nresource "google_project_iam_member" "planted" {\n'
        "  project = local.project_id\n"
        '  role    = "roles/owner"\n'
        '  member  = "serviceAccount:${local.account_of["training"]}"\n}\n',
    )
    findings = _findings(project)
    dev = [f for f in findings if f.startswith("dev: serviceAccount:training@gcp-project-dev")]
    assert {f.split("): ", 1)[1] for f in dev} >= {
        "can set the IAM policy of every service account of the project, the CI identities "
        "included (no IAM condition can exclude them)",
        "can modify the Workload Identity pool and its providers (rewrite which repository it "
        "trusts)",
        "can change what the project's custom roles grant",
    }, findings


PROJECT_IAM_ADMIN = (
    '\nresource "google_project_iam_member" "planted" {{\n'
    "  project = local.project_id\n"
    '  role    = "roles/resourcemanager.projectIamAdmin"\n'
    '  member  = "serviceAccount:${{local.account_of["ci-deploy"]}}"\n'
    "{condition}}}\n"
)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("", "can grant roles without a modifiedGrantsByRole limit"),
        (
            '  condition {\n    title      = "t"\n    expression = "request.time < '
            "timestamp('2030-01-01T00:00:00Z')\"\n  }\n",
            "can grant roles with a condition other than a modifiedGrantsByRole limit",
        ),
        (
            '  condition {\n    title      = "t"\n    expression = "api.getAttribute('
            "'iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(${jsonencode("
            '["roles/logging.logWriter", "roles/iam.serviceAccountUser"])})"\n  }\n',
            "may grant roles/iam.serviceAccountUser, which reach the CI identities",
        ),
        (
            '  condition {\n    title      = "t"\n    expression = "api.getAttribute('
            "'iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(${jsonencode("
            '["roles/logging.logWriter"])})"\n  }\n',
            None,  # control: limited to a role that reaches no identity
        ),
    ],
    ids=["unconditioned", "other-condition", "limit-lists-an-escalating-role", "control"],
)
def test_project_iam_admin_needs_a_limit_to_harmless_roles(
    project: Path, condition: str, expected: str | None
) -> None:
    _append(project / "infra" / "stack" / "main.tf", PROJECT_IAM_ADMIN.format(condition=condition))
    findings = _findings(project)
    if expected is None:
        assert findings == []
    else:
        assert len(findings) == 3 and all(f.endswith(expected) for f in findings), findings


def test_a_member_it_cannot_evaluate_is_reported(project: Path) -> None:
    _append(
        project / "infra" / "stack" / "main.tf",
        '\nresource "google_project_iam_member" "planted" {\n'
        "  project = local.project_id\n"
        '  role    = "roles/iam.serviceAccountTokenCreator"\n'
        "  member  = data.google_project.this.number\n}\n",
    )
    findings = _findings(project)
    assert len(findings) == 3 and all("cannot tell who holds this role" in f for f in findings)


def test_dayone_check_fails_on_a_planted_escalation_and_says_why(project: Path) -> None:
    args = ["check", str(project), "--only", "GCP IAM"]
    passed = CliRunner().invoke(app, args)
    assert passed.exit_code == 0, passed.output
    _plant(
        project / "infra" / "bootstrap" / "main.tf",
        '    "roles/storage.admin",\n  ]',
        '    "roles/storage.admin",\n    "roles/owner",\n  ]',
    )
    failed = CliRunner().invoke(app, [*args, "--no-cache", "--verbose"])
    assert failed.exit_code == 1
    assert "GCP IAM self-escalation (rendered bindings)" in failed.output
    assert "holds roles/owner" in failed.output
    assert "no emulator of GCP IAM exists" in failed.output
