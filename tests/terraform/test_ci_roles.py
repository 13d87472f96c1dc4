"""The IAM identities of the generated infrastructure, made by each environment's bootstrap:
what cloudsplaining finds in every policy document of the plans, and what every CI identity
can and cannot do, acted out on the rendered project's own emulator (infra/local, moto with
IAM enforced and OIDC tokens checked against trust policies).

The identities are recreated on one emulator for this module from what the check's emulated
apply left (the trust policies of each environment's bootstrap plan, and every document it
read back from the applied environment), and every call is a real call: assuming a role with
a CI job's token (built from the project's CI files, as the CI service fills it in), then
S3, ECR, IAM, SageMaker calls as that role. Every refusal is paired with an allowed control,
so a role that can do nothing fails too.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.iam_eval import is_allowed
from tests.support.iam_scan import cloudsplaining_python, iam_scan
from tests.support.project import read_answers
from tests.terraform.conftest import ENVIRONMENTS, environment_roles, grouped

pytestmark = [pytest.mark.slow, pytest.mark.terraform]

Rendered = Callable[[str], tuple[Path, dict[str, str]]]
Plans = Callable[[str], dict[str, dict[str, Any]]]

# Both CIs in both account modes: defaults (GitHub) and gitlab in one account, hostile-text
# (GitHub) and gitlab-per-environment with one account per environment (every environment
# creates its own provider).
SCANNED_SETS = ["defaults", "gitlab", "hostile-text", "gitlab-per-environment"]

# Every inline `#iam-scan:skip`, as (data block it annotates, finding type, action). Adding
# one is a decision: it comes with a reason in the code and a change here. A skip covers only
# the statements of its block that name the action (tests/terraform/test_iam_scan.py).
# Privilege escalation can never be skipped. Every identity is made by infra/bootstrap, so
# the CI roles' skips sit there; the deploy role holds no IAM write any more, and the skips
# of iam:CreatePolicy, DeletePolicy, DeletePolicyVersion, DeleteRole, UpdateRole and
# UpdateRoleDescription (and the boundary's) went with it.
_DEPLOY = "bootstrap/data.aws_iam_policy_document.deploy"
_PLAN = "bootstrap/data.aws_iam_policy_document.plan"
_TRAINER = "bootstrap/data.aws_iam_policy_document.trainer"
_TRAINING = "modules/ml_iam/data.aws_iam_policy_document.this"
_BUILD = "modules/remote_build/modules/service_role/data.aws_iam_policy_document.this"
_PROD_DATA = "modules/prod_data_readonly/data.aws_iam_policy_document.this"
# The slice cluster's execution role: ECS pulls the image and writes the tasks' logs with it.
_SLICE_EXECUTION = "modules/slice_cluster/modules/execution_role/data.aws_iam_policy_document.this"
PINNED_IAM_SKIPS = {
    (_DEPLOY, "DataExfiltration", "s3:getobject"),
    (_DEPLOY, "ResourceExposure", "s3:deletebucketpolicy"),
    (_DEPLOY, "ResourceExposure", "s3:putbucketpolicy"),
    (_DEPLOY, "ResourceExposure", "s3:putbucketpublicaccessblock"),
    (_PLAN, "DataExfiltration", "s3:getobject"),
    (_TRAINER, "DataExfiltration", "s3:getobject"),
    (_TRAINING, "CredentialsExposure", "ecr:getauthorizationtoken"),
    (_TRAINING, "DataExfiltration", "s3:getobject"),
    (_BUILD, "CredentialsExposure", "ecr:getauthorizationtoken"),
    (_BUILD, "DataExfiltration", "s3:getobject"),
    (_PROD_DATA, "DataExfiltration", "s3:getobject"),
    (_SLICE_EXECUTION, "CredentialsExposure", "ecr:getauthorizationtoken"),
}

BROAD_MANAGED_POLICIES = (
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "IAMFullAccess",
)


def _documents(
    env: str, stack: dict[str, Any] | None = None, bootstrap: dict[str, Any] | None = None
) -> list[iam_scan.PolicyDocument]:
    """An environment's documents, each traced to its data blocks from its plan's root."""
    found = iam_scan.policy_documents(stack, f"envs/{env}") if stack else []
    return found + (iam_scan.policy_documents(bootstrap, "bootstrap") if bootstrap else [])


@pytest.mark.parametrize("name", grouped(*SCANNED_SETS))
def test_cloudsplaining_finds_no_escalation_and_only_pinned_skips(
    plans: Plans, bootstrap_plans: Plans, rendered_project: Rendered, name: str
) -> None:
    project, _ = rendered_project(name)
    cloudsplaining = cloudsplaining_python()
    skips = iam_scan.inline_skips(project / "infra")
    assert {(str(s.block), s.finding_type, s.action) for s in skips} == PINNED_IAM_SKIPS
    slug = read_answers(project)["project_slug"]
    stacks, bootstraps = plans(name), bootstrap_plans(name)
    documents = {env: _documents(env, stacks[env], bootstraps[env]) for env in ENVIRONMENTS}
    reports = iam_scan.scan_plans(documents, cloudsplaining, skips)
    for env, report in reports.items():
        assert report.count("PrivilegeEscalation") == 0, iam_scan.describe(report, env)
        assert report.findings == [], iam_scan.describe(report, env)
        # The image build's, the training role's and the slice roles' passes are set aside
        # only because those roles are scanned here too, trusted by services alone, with no IAM.
        assert {s for p in report.passes for s in p.statements} == {
            "PassBuildRoleToCodeBuild",
            "PassTrainingRoleToSageMaker",
            "PassSliceRolesToEcsTasks",
        }, iam_scan.describe(report, env)
        assert len(report.passes) == 3, iam_scan.describe(report, env)
        # Every identity is known at plan time (its names come from infra/names); only the
        # buckets' policies, which name the buckets' ARNs, wait for the apply.
        known = {d.name for d in documents[env] if d.known}
        assert environment_roles(slug, env) <= known
        prefix = f"{slug}--{env}"
        assert {f"{prefix}-deploy", f"{prefix}-plan", f"{prefix}-trainer"} <= {
            d.name for d in documents[env] if d.known and d.kind == "identity"
        }
        assert all(d.kind == "resource" for d in report.unknown), report.unknown
        # The stack makes no identity at all.
        assert not [d for d in _documents(env, stacks[env]) if d.kind != "resource"]


def test_scan_reports_an_escalation_it_cannot_skip() -> None:
    """The scan is not vacuous: the old PowerUser-era grant is found, whatever the skips say."""
    cloudsplaining = cloudsplaining_python()
    planted = iam_scan.PolicyDocument(
        "planted",
        "identity",
        "planted",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"],
                    "Resource": "arn:aws:iam::123456789012:policy/defaults-project-*",
                }
            ],
        },
    )
    # A skip of it (which inline_skips refuses to read) would not be honoured either.
    block = iam_scan.DataBlock("stack", "planted")
    planted = iam_scan.PolicyDocument(
        planted.address, planted.kind, planted.name, planted.document, (block,)
    )
    report = iam_scan.scan_documents([planted], cloudsplaining, [
        iam_scan.Skip("PrivilegeEscalation", "iam:createpolicyversion", "not honoured", block, "-"),
    ])  # fmt: skip
    assert report.count("PrivilegeEscalation") >= 1
    # A Deny on one ARN does not hide the Allow on the others (cloudsplaining alone would
    # subtract the denied action everywhere).
    assert planted.document is not None
    narrow_deny = {
        "Effect": "Deny",
        "Action": ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"],
        "Resource": "arn:aws:iam::123456789012:policy/defaults-project-deploy",
    }
    masked = iam_scan.PolicyDocument(
        "masked", "identity", "masked",
        {"Version": "2012-10-17", "Statement": [*planted.document["Statement"], narrow_deny]},
    )  # fmt: skip
    assert iam_scan.scan_documents([masked], cloudsplaining).count("PrivilegeEscalation") >= 1
    # A boundary condition vouches only for a boundary that grants no IAM or STS itself.
    boundary_arn = "arn:aws:iam::123456789012:policy/leaky-boundary"
    gated = iam_scan.PolicyDocument(
        "gated", "identity", "gated",
        {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "*",
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary_arn}},
        }]},
    )  # fmt: skip
    leaky = iam_scan.PolicyDocument(
        "leaky", "identity", "leaky-boundary",
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        ]},
    )  # fmt: skip
    report = iam_scan.scan_documents([gated, leaky], cloudsplaining)
    assert {f.type for f in report.findings} >= {"BoundaryGrantsIam", "PrivilegeEscalation"}
    # Several plans in one cloudsplaining process: each finding stays with its own plan.
    clean = iam_scan.PolicyDocument(
        "clean", "identity", "clean",
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "cloudwatch:GetMetricData", "Resource": "*"},
        ]},
    )  # fmt: skip
    reports = iam_scan.scan_plans(
        {"dev": [clean], "staging": [gated, leaky], "prod": [masked, clean]}, cloudsplaining
    )
    assert not reports["dev"].findings
    assert {f.type for f in reports["staging"].findings} == {f.type for f in report.findings}
    assert {f.address for f in reports["prod"].findings} == {"masked"}


def _passing(resource: str) -> iam_scan.PolicyDocument:
    return iam_scan.PolicyDocument(
        "ci", "identity", "ci",
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sagemaker:CreateTrainingJob"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": resource,
             "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
        ]},
    )  # fmt: skip


def _role(name: str, principal: dict[str, Any], *actions: str) -> list[iam_scan.PolicyDocument]:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}]}  # fmt: skip
    inline = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}  # fmt: skip
    return [
        iam_scan.PolicyDocument(f"aws_iam_role.{name}", "trust", name, trust, role=name),
        iam_scan.PolicyDocument(f"aws_iam_role_policy.{name}", "identity", name, inline, role=name),
    ]


def test_a_pass_is_set_aside_only_for_a_role_that_cannot_escalate_itself() -> None:
    """Passing one service-trusted role without IAM is bounded by that role; passing a role
    that holds IAM, one trusted by an account, or any role ("*"), is an escalation."""
    cloudsplaining = cloudsplaining_python()
    service = {"Service": "sagemaker.amazonaws.com"}
    arn = "arn:aws:iam::123456789012:role/{}"
    cases = {
        "control: a service role that reads data": ([_passing(arn.format("reader")), *_role("reader", service, "s3:GetObject")], 0),
        "a service role that holds IAM": ([_passing(arn.format("admin")), *_role("admin", service, "iam:PutRolePolicy")], 1),
        "a role an account trusts": ([_passing(arn.format("shared")), *_role("shared", {"AWS": "arn:aws:iam::999999999999:root"}, "s3:GetObject")], 1),
        "any role": ([_passing("arn:aws:iam::123456789012:role/*"), *_role("reader", service, "s3:GetObject")], 1),
        "a role this plan does not make": ([_passing(arn.format("elsewhere"))], 1),
    }  # fmt: skip
    reports = iam_scan.scan_plans({k: docs for k, (docs, _) in cases.items()}, cloudsplaining)
    # (escalations found, passes set aside): the pass itself is reported unless bounded.
    found = {k: (min(r.count("PrivilegeEscalation"), 1), len(r.passes)) for k, r in reports.items()}
    assert found == {k: (escalates, 1 - escalates) for k, (_d, escalates) in cases.items()}, found


@pytest.mark.xdist_group("defaults")
def test_no_ci_role_gets_a_broad_managed_policy(rendered_project: Rendered) -> None:
    project, _ = rendered_project("defaults")
    text = "\n".join(p.read_text() for p in (project / "infra").rglob("*.tf"))
    for policy in BROAD_MANAGED_POLICIES:
        assert f"policy/{policy}" not in text


@pytest.mark.xdist_group("defaults")
def test_training_role_pulls_and_logs_only_its_own(
    bootstrap_plans: Plans, rendered_project: Rendered
) -> None:
    """What a SageMaker training job does as the training role (its inline policy, known at
    plan time now that the bootstrap names the buckets): pull the environment's image, open
    and write its own jobs' log streams, nothing of another environment or project."""
    project, _ = rendered_project("defaults")
    answers = read_answers(project)
    s, region = answers["project_slug"], answers["aws_region"]
    documents = _documents("dev", bootstrap=bootstrap_plans("defaults")["dev"])
    policy = next(
        d.document for d in documents if d.kind == "identity" and d.role == f"{s}--dev-training"
    )
    account = json.dumps(policy).split(f":logs:{region}:", 1)[1][:12]
    group = f"arn:aws:logs:{region}:{account}:log-group:/aws/sagemaker/TrainingJobs"
    job = f"{s}--dev-train-20260101-000000"
    repository = f"arn:aws:ecr:{region}:{account}:repository/{s}/dev"
    cases = [
        ("log in to ECR", "ecr:GetAuthorizationToken", "*", True),
        ("pull the environment's image", "ecr:BatchGetImage", repository, True),
        ("pull prod's image", "ecr:BatchGetImage", repository.replace("/dev", "/prod"), False),
        ("create a job's log stream", "logs:CreateLogStream", f"{group}:*", True),
        ("write its job's logs", "logs:PutLogEvents", f"{group}:log-stream:{job}/algo-1-1767225600", True),
        ("write a prod job's logs", "logs:PutLogEvents", f"{group}:log-stream:{s}--prod-train-1/algo-1-1", False),
        ("write another project's job's logs", "logs:PutLogEvents", f"{group}:log-stream:{s}x--dev-train-1/algo-1-1", False),
        ("delete the training log group", "logs:DeleteLogGroup", group, False),
        ("write dev data", "s3:PutObject", f"arn:aws:s3:::{s}--dev-models/model.pkl", True),
        ("write prod data", "s3:PutObject", f"arn:aws:s3:::{s}--prod-raw/x", False),
        ("change a role", "iam:PutRolePolicy", f"arn:aws:iam::{account}:role/{s}--dev-training", False),
    ]  # fmt: skip
    for description, action, resource, expected in cases:
        assert is_allowed([policy], action, resource) == expected, description


# ---- Every CI identity under IAM enforcement, on the project's emulator --------------------


def _load(path: Path, name: str) -> ModuleType:
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _planned(plan: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    def walk(module: dict[str, Any]) -> list[dict[str, Any]]:
        found = [r for r in module.get("resources", []) if r["type"] == type_]
        for child in module.get("child_modules", []):
            found += walk(child)
        return found

    return walk(plan["planned_values"]["root_module"])


@dataclass
class Identities:
    emulator: Any
    tokens: ModuleType  # the project's infra/local/ci_tokens.py
    token: Callable[[str, str, str], str]  # issuer, audience, subject -> JWT
    projects: dict[str, Path]
    slugs: dict[str, str]
    account: str
    region: str  # the projects' region, where their ARNs are


@pytest.fixture(scope="module")
def identities(
    rendered_project: Rendered,
    bootstrap_plans: Plans,
    applied_policies: Callable[[str], dict[str, list[dict[str, Any]]]],
) -> Iterator[Identities]:
    """One emulator for this module, holding the identities of the GitHub (defaults) and
    GitLab answer sets as their bootstraps make them: the OIDC providers and every role's
    trust from the bootstrap plans, and the permissions of the applied environments read
    back by the check (defaults applied all three). Data buckets and state hold a little
    data for the calls to touch."""
    projects = {name: rendered_project(name)[0] for name in ("defaults", "gitlab")}
    emulator_module = _load(
        projects["defaults"] / "infra" / "local" / "emulator.py", "ci_roles_emulator"
    )
    tokens = _load(projects["defaults"] / "infra" / "local" / "ci_tokens.py", "ci_roles_ci_tokens")
    slugs = {name: read_answers(p)["project_slug"] for name, p in projects.items()}
    with emulator_module.running_emulator() as emulator:
        account = emulator_module.ACCOUNT_ID
        iam, s3 = emulator.client("iam"), emulator.client("s3")
        for name in projects:
            for plan in bootstrap_plans(name).values():
                for provider in _planned(plan, "aws_iam_openid_connect_provider"):
                    iam.create_open_id_connect_provider(
                        Url=provider["values"]["url"],
                        ClientIDList=provider["values"]["client_id_list"],
                        ThumbprintList=["a" * 40],
                    )
                for role in _planned(plan, "aws_iam_role"):
                    iam.create_role(
                        RoleName=role["values"]["name"],
                        AssumeRolePolicyDocument=role["values"]["assume_role_policy"],
                    )
        for documents in applied_policies("defaults").values():
            for document in documents:
                if document["kind"] != "identity":
                    continue
                for role in document["roles"]:
                    iam.put_role_policy(
                        RoleName=role,
                        PolicyName=document["name"],
                        PolicyDocument=json.dumps(document["document"]),
                    )
        slug = slugs["defaults"]
        for env in ("dev", "prod"):
            for purpose in ("raw", "processed", "artifacts", "tfstate"):
                s3.create_bucket(Bucket=f"{slug}--{env}-{purpose}")
            s3.put_object(Bucket=f"{slug}--{env}-raw", Key="datasets/rows.csv", Body=b"a\n1\n")
            s3.put_object(
                Bucket=f"{slug}--{env}-tfstate", Key=f"{slug}/{env}/terraform.tfstate", Body=b"{}"
            )
        emulator.admin_credentials(account)
        emulator.enforce_iam(True)
        region = read_answers(projects["defaults"])["aws_region"]
        yield Identities(
            emulator, tokens, emulator_module.web_identity_token, projects, slugs, account, region
        )


def _assume(ids: Identities, role: str, job: Any) -> dict[str, str] | None:
    """The role's session for the job's token, or None when STS refuses it."""
    try:
        return dict(
            ids.emulator.assume_role_with_web_identity(
                f"arn:aws:iam::{ids.account}:role/{role}",
                ids.token(job.issuer, job.audience, job.subject),
                "test-session",
            )
        )
    except ClientError as error:
        assert error.response["Error"]["Code"] in {"AccessDenied", "InvalidIdentityToken"}, error
        return None


def _refused(call: Callable[[], Any]) -> bool:
    try:
        call()
    except ClientError as error:
        code = error.response["Error"]["Code"]
        assert code in {"AccessDenied", "AccessDeniedException"}, error
        return True
    return False


@pytest.mark.xdist_group("defaults")
def test_github_roles_trust_only_their_own_jobs(identities: Identities) -> None:
    """Every role of every environment against the tokens of the jobs of .github/workflows,
    and forged ones: each role is assumed by exactly its own jobs."""
    ids, t = identities, identities.tokens
    project = ids.projects["defaults"]
    repo, slug = read_answers(project)["repository"], ids.slugs["defaults"]
    jobs = {
        **{f"deploy-{env}": t.github_token(repo, environment=t.github_deploy_environment(project, env)) for env in ENVIRONMENTS},
        "train.yml": t.github_token(repo, environment="train-staging"),
        "plan on a pull request": t.github_token(repo, event="pull_request"),
        "plan on main": t.github_token(repo),
        "a feature branch": t.github_token(repo, ref="refs/heads/feature"),
        "a tag": t.github_token(repo, ref="refs/tags/v1.0.0"),
        "a fork's prod job": t.github_token(f"{repo}-fork", environment="prod"),
        "another audience": t.JobToken(t.GITHUB_ISSUER, "other", f"repo:{repo}:environment:prod"),
    }  # fmt: skip
    for env in ENVIRONMENTS:
        expected = {
            f"{slug}--{env}-deploy": {f"deploy-{env}"},
            f"{slug}--{env}-plan": {"plan on a pull request", "plan on main"},
            f"{slug}--{env}-trainer": {"train.yml"} if env == "staging" else set(),
        }
        for role, trusted in expected.items():
            assumed = {who for who, job in jobs.items() if _assume(ids, role, job)}
            assert assumed == trusted, role


@pytest.mark.xdist_group("defaults")
def test_gitlab_prod_is_assumed_only_by_main_jobs_of_the_protected_prod_environment(
    identities: Identities,
) -> None:
    """The jobs of .gitlab-ci.yml carry, once the project's ID token sub claim components are
    set, the protection and tier of their environment in `sub`: prod's roles trust only
    main's jobs of the protected production environment (with their own `aud`), dev's the
    unprotected dev, and a main-branch job without prod's claims is refused prod."""
    ids, t = identities, identities.tokens
    project = ids.projects["gitlab"]
    repo, slug = read_answers(project)["repository"], ids.slugs["gitlab"]
    ci = {
        job: t.gitlab_job_token(project, job, repo)
        for env in ENVIRONMENTS
        for job in (f"deploy-{env}", f"image-{env}", f"train-{env}")
    }
    prod_aud = ci["deploy-prod"].audience
    forged = {
        "main job without an environment, asking for prod": t.gitlab_token(repo, prod_aud),
        "main job in dev, declaring the production tier": t.gitlab_token(repo, prod_aud, environment="dev", deployment_tier="production"),
        "main job in an unprotected environment named prod": t.gitlab_token(repo, prod_aud, environment="prod", protected=False),
        "main job of protected staging, asking for prod": t.gitlab_token(repo, prod_aud, environment="staging"),
        "feature branch job in prod": t.gitlab_token(repo, prod_aud, ref="feature", environment="prod"),
        "tag job in prod": t.gitlab_token(repo, prod_aud, ref="v1.0.0", ref_type="tag", environment="prod"),
        "prod job with the default audience": t.gitlab_token(repo, "sts.amazonaws.com", environment="prod"),
        "another project's prod job": t.gitlab_token(f"{repo}-fork", prod_aud, environment="prod"),
        "plan on main": t.gitlab_token(repo, f"sts.amazonaws.com/{slug}--plan"),
        "plan on a branch": t.gitlab_token(repo, f"sts.amazonaws.com/{slug}--plan", ref="feature"),
    }  # fmt: skip
    jobs = {**ci, **forged}
    for env in ENVIRONMENTS:
        expected = {
            f"{slug}--{env}-deploy": {f"deploy-{env}", f"image-{env}"},
            f"{slug}--{env}-trainer": {f"train-{env}"},
            f"{slug}--{env}-plan": {"plan on main", "plan on a branch"},
        }
        for role, trusted in expected.items():
            assumed = {who for who, job in jobs.items() if _assume(ids, role, job)}
            assert assumed == trusted, role


@pytest.mark.xdist_group("defaults")
def test_gitlab_sub_claim_components_are_the_documented_set_up(rendered_project: Rendered) -> None:
    """The components the roles' trust is written for are the ones the documented one-time
    call sets, and the GitLab API accepts only these claims in `sub`."""
    project, _ = rendered_project("gitlab")
    tokens = _load(project / "infra" / "local" / "ci_tokens.py", "ci_roles_gitlab_tokens")
    decision = (project / "docs" / "decisions" / "0002-ci-cd.md").read_text()
    call = decision.split('"ci_id_token_sub_claim_components": ', 1)[1].split("}", 1)[0]
    assert tuple(json.loads(call)) == tokens.GITLAB_SUB_CLAIM_COMPONENTS
    allowed = {"project_path", "project_id", "ref_type", "ref", "ref_protected", "environment_protected", "deployment_tier"}  # fmt: skip
    assert set(tokens.GITLAB_SUB_CLAIM_COMPONENTS) <= allowed
    assert "PUT" in decision and "/api/v4/projects/" in decision and "scope `api`" in decision


def _session(ids: Identities, role: str, job: Any, service: str) -> Any:
    credentials = _assume(ids, role, job)
    assert credentials is not None, f"{role} refused its own job's token"
    return ids.emulator.client(service, region=ids.region, **credentials)


def _github_job(ids: Identities, environment: str) -> Any:
    repo = read_answers(ids.projects["defaults"])["repository"]
    if environment.endswith("-plan"):
        return ids.tokens.github_token(repo, event="pull_request")
    return ids.tokens.github_token(repo, environment=environment)


@pytest.mark.xdist_group("defaults")
def test_plan_role_reads_and_locks_and_writes_nothing_else(identities: Identities) -> None:
    ids, s = identities, identities.slugs["defaults"]
    s3 = _session(ids, f"{s}--dev-plan", _github_job(ids, "dev-plan"), "s3")
    state, bucket = f"{s}/dev/terraform.tfstate", f"{s}--dev-tfstate"
    outcomes = {
        "control: read its state": _refused(lambda: s3.get_object(Bucket=bucket, Key=state)),
        "control: take its lock": _refused(lambda: s3.put_object(Bucket=bucket, Key=f"{state}.tflock", Body=b"{}")),
        "write its state": _refused(lambda: s3.put_object(Bucket=bucket, Key=state, Body=b"{}")),
        "delete its state": _refused(lambda: s3.delete_object(Bucket=bucket, Key=state)),
        "read dev data": _refused(lambda: s3.get_object(Bucket=f"{s}--dev-raw", Key="datasets/rows.csv")),
        "write dev data": _refused(lambda: s3.put_object(Bucket=f"{s}--dev-raw", Key="x", Body=b"x")),
        "create a bucket": _refused(lambda: s3.create_bucket(Bucket=f"{s}--dev-extra")),
        "take prod's lock": _refused(lambda: s3.put_object(
            Bucket=f"{s}--prod-tfstate", Key=f"{s}/prod/terraform.tfstate.tflock", Body=b"{}")),
    }  # fmt: skip
    ecr = _session(ids, f"{s}--dev-plan", _github_job(ids, "dev-plan"), "ecr")
    outcomes["create a repository"] = _refused(
        lambda: ecr.create_repository(repositoryName=f"{s}/dev")
    )
    assert outcomes == {k: not k.startswith("control") for k in outcomes}, outcomes


@pytest.mark.xdist_group("defaults")
def test_dev_deploy_role_never_reads_prod_data_or_touches_prod(identities: Identities) -> None:
    ids, s = identities, identities.slugs["defaults"]
    job = _github_job(ids, "dev")
    s3 = _session(ids, f"{s}--dev-deploy", job, "s3")
    ecr = _session(ids, f"{s}--dev-deploy", job, "ecr")
    outcomes = {
        "control: write its state": _refused(lambda: s3.put_object(
            Bucket=f"{s}--dev-tfstate", Key=f"{s}/dev/terraform.tfstate", Body=b"{}")),
        "control: make a dev repository": _refused(lambda: ecr.create_repository(repositoryName=f"{s}/dev")),
        "read prod data": _refused(lambda: s3.get_object(Bucket=f"{s}--prod-raw", Key="datasets/rows.csv")),
        "write prod data": _refused(lambda: s3.put_object(Bucket=f"{s}--prod-raw", Key="x", Body=b"x")),
        "read the prod state": _refused(lambda: s3.get_object(
            Bucket=f"{s}--prod-tfstate", Key=f"{s}/prod/terraform.tfstate")),
        "delete a prod bucket": _refused(lambda: s3.delete_bucket(Bucket=f"{s}--prod-processed")),
        "make a prod repository": _refused(lambda: ecr.create_repository(repositoryName=f"{s}/prod")),
        "read dev data": _refused(lambda: s3.get_object(Bucket=f"{s}--dev-raw", Key="datasets/rows.csv")),
        "weaken its state bucket": _refused(lambda: s3.put_bucket_versioning(
            Bucket=f"{s}--dev-tfstate", VersioningConfiguration={"Status": "Suspended"})),
    }  # fmt: skip
    assert outcomes == {k: not k.startswith("control") for k in outcomes}, outcomes


@pytest.mark.xdist_group("defaults")
def test_no_ci_identity_can_make_or_change_a_role(identities: Identities) -> None:
    """No identity CI can assume may create a role (trusted by an outside account, here) or
    change a role's trust or permissions: not deploy, not plan, not training."""
    ids, s = identities, identities.slugs["defaults"]
    outside = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": "arn:aws:iam::999999999999:root"}}]})  # fmt: skip
    reads_prod = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{s}--prod-raw/*"}]})  # fmt: skip
    outcomes = {}
    for role, job in (
        (f"{s}--dev-deploy", _github_job(ids, "dev")),
        (f"{s}--dev-plan", _github_job(ids, "dev-plan")),
        (f"{s}--dev-trainer", _github_job(ids, "train-dev")),
    ):
        iam = _session(ids, role, job, "iam")
        outcomes[f"{role}: create a role an outside account trusts"] = _refused(
            lambda iam=iam: iam.create_role(
                RoleName=f"{s}--dev-escape", AssumeRolePolicyDocument=outside
            )
        )
        outcomes[f"{role}: trust an outside account with the training role"] = _refused(
            lambda iam=iam: iam.update_assume_role_policy(
                RoleName=f"{s}--dev-training", PolicyDocument=outside
            )
        )
        outcomes[f"{role}: give the reader role more"] = _refused(
            lambda iam=iam: iam.put_role_policy(
                RoleName=f"{s}--dev-prod-data-reader", PolicyName="more", PolicyDocument=reads_prod
            )
        )
        outcomes[f"{role}: give itself more"] = _refused(
            lambda iam=iam, role=role: iam.put_role_policy(
                RoleName=role, PolicyName="more", PolicyDocument=reads_prod
            )
        )
    # Control: the calls themselves work, for an identity allowed them (the administrator).
    admin = ids.emulator.client("iam", access_key=ids.account)
    outcomes["control: the administrator creates it"] = _refused(
        lambda: admin.create_role(RoleName=f"{s}--dev-escape", AssumeRolePolicyDocument=outside)
    )
    admin.delete_role(RoleName=f"{s}--dev-escape")
    assert outcomes == {k: not k.startswith("control") for k in outcomes}, outcomes  # fmt: skip


@pytest.mark.xdist_group("defaults")
def test_training_identity_trains_and_writes_no_infrastructure(identities: Identities) -> None:
    ids, s = identities, identities.slugs["defaults"]
    job = _github_job(ids, "train-dev")
    s3, ecr = (_session(ids, f"{s}--dev-trainer", job, svc) for svc in ("s3", "ecr"))
    codebuild, sagemaker = (
        _session(ids, f"{s}--dev-trainer", job, svc) for svc in ("codebuild", "sagemaker")
    )
    role = f"arn:aws:iam::{ids.account}:role/{s}--dev-{{}}"

    def training_job(name: str, role_arn: str) -> Any:
        return sagemaker.create_training_job(
            TrainingJobName=name,
            AlgorithmSpecification={"TrainingImage": "image", "TrainingInputMode": "File"},
            RoleArn=role_arn,
            OutputDataConfig={"S3OutputPath": f"s3://{s}--dev-artifacts/jobs/"},
            ResourceConfig={
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 30,
            },
            StoppingCondition={"MaxRuntimeInSeconds": 60},
        )

    outcomes = {
        "control: read raw data": _refused(lambda: s3.get_object(Bucket=f"{s}--dev-raw", Key="datasets/rows.csv")),
        "control: write its splits": _refused(lambda: s3.put_object(Bucket=f"{s}--dev-processed", Key="splits/x.csv", Body=b"x")),
        "control: start its training job": _refused(lambda: training_job(f"{s}--dev-train-1", role.format("training"))),
        "write raw data": _refused(lambda: s3.put_object(Bucket=f"{s}--dev-raw", Key="x", Body=b"x")),
        "read prod data": _refused(lambda: s3.get_object(Bucket=f"{s}--prod-raw", Key="datasets/rows.csv")),
        "create a bucket": _refused(lambda: s3.create_bucket(Bucket=f"{s}--dev-extra")),
        "set a bucket policy": _refused(lambda: s3.put_bucket_policy(Bucket=f"{s}--dev-raw", Policy="{}")),
        "create a repository": _refused(lambda: ecr.create_repository(repositoryName=f"{s}/dev-x")),
        "create a build project": _refused(lambda: codebuild.create_project(
            name=f"{s}--dev-image", source={"type": "NO_SOURCE", "buildspec": "version: 0.2"},
            artifacts={"type": "NO_ARTIFACTS"}, serviceRole=role.format("image-codebuild"),
            environment={"type": "LINUX_CONTAINER", "image": "i", "computeType": "BUILD_GENERAL1_SMALL"})),
        "run a job as the deploy role": _refused(lambda: training_job(f"{s}--dev-train-2", role.format("deploy"))),
        "run a prod job": _refused(lambda: training_job(f"{s}--prod-train-1", role.format("training"))),
    }  # fmt: skip
    assert outcomes == {k: not k.startswith("control") for k in outcomes}, outcomes
