"""The CI roles of the generated stack, from the offline plan of every environment: what
cloudsplaining finds in every IAM policy document, who can assume each role (the trust
policies evaluated against the tokens of real jobs), and what the dev deploy and plan roles
are refused (their planned policies evaluated by dayone.iam_eval). Every refusal is paired
with an allowed sibling request, so that a policy that refuses everything fails too.

Most refusals are evaluations of the planned documents (dayone.iam_eval); the main ones are
also acted out on the rendered project's emulator (infra/local, moto with IAM enforcement):
the dev deploy role, made there from its planned policies and assumed, calls IAM and S3.
Trust (who may assume a role) is evaluated only: the emulator does not check OIDC tokens.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dayone import iam_scan
from dayone.iam_eval import can_assume_with_web_identity, is_allowed
from dayone.tools import project_environment
from tests.support.project import read_answers
from tests.terraform.conftest import grouped

pytestmark = [pytest.mark.slow, pytest.mark.terraform]

Rendered = Callable[[str], tuple[Path, dict[str, str]]]
Plans = Callable[[str], dict[str, dict[str, Any]]]

# Both CIs in both account modes: defaults (GitHub) and gitlab in one account,
# per-environment-accounts (GitHub) and gitlab-per-environment with one account per
# environment (every environment creates its own provider).
SCANNED_SETS = ["defaults", "gitlab", "per-environment-accounts", "gitlab-per-environment"]

# Every inline `#iam-scan:skip`, as (data block it annotates, finding type, action). Adding
# one is a decision: it comes with a reason in the code and a change here. A skip covers only
# the statements of its block that name the action (tests/terraform/test_iam_scan.py).
# Privilege escalation can never be skipped.
_BOUNDARY = "stack/data.aws_iam_policy_document.boundary"
_DEPLOY_IAM = "stack/data.aws_iam_policy_document.deploy_iam"
_DEPLOY_RESOURCES = "stack/data.aws_iam_policy_document.deploy_resources"
_PLAN = "stack/data.aws_iam_policy_document.plan"
_TRAINING = "modules/ml_iam/data.aws_iam_policy_document.this"
_BUILD = "modules/remote_build/data.aws_iam_policy_document.this"
_PROD_DATA = "modules/prod_data_readonly/data.aws_iam_policy_document.this"
PINNED_IAM_SKIPS = {
    (_BOUNDARY, "CredentialsExposure", "ecr:getauthorizationtoken"),
    (_BOUNDARY, "DataExfiltration", "s3:getobject"),
    (_DEPLOY_IAM, "ResourceExposure", "iam:createpolicy"),
    (_DEPLOY_IAM, "ResourceExposure", "iam:deletepolicy"),
    (_DEPLOY_IAM, "ResourceExposure", "iam:deletepolicyversion"),
    (_DEPLOY_IAM, "ResourceExposure", "iam:deleterole"),
    (_DEPLOY_IAM, "ResourceExposure", "iam:updaterole"),
    (_DEPLOY_IAM, "ResourceExposure", "iam:updateroledescription"),
    (_DEPLOY_RESOURCES, "DataExfiltration", "s3:getobject"),
    (_DEPLOY_RESOURCES, "ResourceExposure", "s3:deletebucketpolicy"),
    (_DEPLOY_RESOURCES, "ResourceExposure", "s3:putbucketpolicy"),
    (_DEPLOY_RESOURCES, "ResourceExposure", "s3:putbucketpublicaccessblock"),
    (_PLAN, "DataExfiltration", "s3:getobject"),
    (_TRAINING, "CredentialsExposure", "ecr:getauthorizationtoken"),
    (_TRAINING, "DataExfiltration", "s3:getobject"),
    (_BUILD, "CredentialsExposure", "ecr:getauthorizationtoken"),
    (_BUILD, "DataExfiltration", "s3:getobject"),
    (_PROD_DATA, "DataExfiltration", "s3:getobject"),
}

BROAD_MANAGED_POLICIES = (
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "IAMFullAccess",
)


def _documents(plan: dict[str, Any]) -> dict[str, iam_scan.PolicyDocument]:
    return {d.name + "/" + d.kind: d for d in iam_scan.policy_documents(plan)}


def _doc(plan: dict[str, Any], name: str, kind: str) -> dict[str, Any]:
    document = _documents(plan)[f"{name}/{kind}"]
    assert document.document is not None, f"{name} ({kind}) is unknown at plan time"
    return document.document


def _account(plan: dict[str, Any]) -> str:
    deploy = next(d for d in iam_scan.policy_documents(plan) if d.name.endswith("-deploy-iam"))
    text = json.dumps(deploy.document)
    return text.split("arn:aws:iam::", 1)[1][:12]


@pytest.mark.parametrize("name", grouped(*SCANNED_SETS))
def test_cloudsplaining_finds_no_escalation_and_only_pinned_skips(
    plans: Plans, rendered_project: Rendered, name: str
) -> None:
    project, _ = rendered_project(name)
    cloudsplaining = iam_scan.cloudsplaining_python(project_environment())
    skips = iam_scan.inline_skips(project / "infra")
    assert {(str(s.block), s.finding_type, s.action) for s in skips} == PINNED_IAM_SKIPS
    slug = read_answers(project)["project_slug"]
    for env, plan in plans(name).items():
        documents = iam_scan.policy_documents(plan, f"envs/{env}")
        report = iam_scan.scan_documents(documents, cloudsplaining, skips)
        assert report.count("PrivilegeEscalation") == 0, iam_scan.describe(report, env)
        assert report.findings == [], iam_scan.describe(report, env)
        # The CI roles' trust and permissions are known at plan time, so they are scanned here;
        # what is known only at apply names ARNs made in the same apply (bucket policies, the
        # workload roles' inline policies).
        known = {d.name for d in documents if d.known}
        prefix = f"{slug}--{env}"
        assert {f"{prefix}-deploy", f"{prefix}-plan", f"{prefix}-boundary"} <= known
        assert {f"{prefix}-deploy-iam", f"{prefix}-deploy-resources"} <= known
        for document in report.unknown:
            assert document.kind == "resource" or document.address.endswith(
                "aws_iam_role_policy.this"
            ), document


def test_scan_reports_an_escalation_it_cannot_skip() -> None:
    """The scan is not vacuous: the old PowerUser-era grant is found, whatever the skips say."""
    cloudsplaining = iam_scan.cloudsplaining_python(project_environment())
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


@pytest.mark.xdist_group("defaults")
def test_no_ci_role_gets_a_broad_managed_policy(rendered_project: Rendered) -> None:
    project, _ = rendered_project("defaults")
    text = "\n".join(p.read_text() for p in (project / "infra").rglob("*.tf"))
    for policy in BROAD_MANAGED_POLICIES:
        assert f"policy/{policy}" not in text


# ---- who can assume what ---------------------------------------------------------------------

GITHUB = "token.actions.githubusercontent.com"


@pytest.mark.xdist_group("defaults")
def test_github_roles_trust_only_their_own_jobs(plans: Plans, rendered_project: Rendered) -> None:
    project, _ = rendered_project("defaults")
    answers = read_answers(project)
    slug, repo = answers["project_slug"], answers["repository"]
    by_env = plans("defaults")
    account = _account(by_env["dev"])
    provider = f"arn:aws:iam::{account}:oidc-provider/{GITHUB}"

    def token(sub: str) -> dict[str, str]:
        return {"sub": sub, "aud": "sts.amazonaws.com"}

    job = {
        "dev": token(f"repo:{repo}:environment:dev"),
        "staging": token(f"repo:{repo}:environment:staging"),
        "prod": token(f"repo:{repo}:environment:prod"),
        "pull request": token(f"repo:{repo}:pull_request"),
        "main": token(f"repo:{repo}:ref:refs/heads/main"),
        "feature branch": token(f"repo:{repo}:ref:refs/heads/feature"),
        "tag": token(f"repo:{repo}:ref:refs/tags/v1.0.0"),
        "other repository": token(f"repo:{repo}-fork:environment:prod"),
        "wrong audience": {"sub": f"repo:{repo}:environment:prod", "aud": "other"},
    }
    for env, plan in by_env.items():
        deploy = _doc(plan, f"{slug}--{env}-deploy", "trust")
        plan_role = _doc(plan, f"{slug}--{env}-plan", "trust")
        for who, claims in job.items():
            assert can_assume_with_web_identity(deploy, provider, claims) == (who == env), (
                env,
                who,
            )
            expected = who in {"pull request", "main"}
            assert can_assume_with_web_identity(plan_role, provider, claims) == expected, (env, who)


@pytest.mark.xdist_group("gitlab")
def test_gitlab_roles_trust_only_their_own_jobs(plans: Plans, rendered_project: Rendered) -> None:
    project, _ = rendered_project("gitlab")
    answers = read_answers(project)
    slug, repo = answers["project_slug"], answers["repository"]
    by_env = plans("gitlab")
    account = _account(by_env["dev"])
    provider = f"arn:aws:iam::{account}:oidc-provider/gitlab.com"
    main = f"project_path:{repo}:ref_type:branch:ref:main"
    feature = f"project_path:{repo}:ref_type:branch:ref:feature"
    tag = f"project_path:{repo}:ref_type:tag:ref:v1.0.0"
    aud = {env: f"sts.amazonaws.com/{slug}--{env}-deploy" for env in by_env}
    plan_aud = f"sts.amazonaws.com/{slug}--plan"
    # The tokens the jobs of .gitlab-ci.yml request, and the ones other jobs could forge.
    job = {
        "deploy-dev": {"sub": main, "aud": aud["dev"]},
        "deploy-staging": {"sub": main, "aud": aud["staging"]},
        "deploy-prod": {"sub": main, "aud": aud["prod"]},
        "plan on main": {"sub": main, "aud": plan_aud},
        "plan on a branch": {"sub": feature, "aud": plan_aud},
        "branch job asking for prod": {"sub": feature, "aud": aud["prod"]},
        "tag job asking for staging": {"sub": tag, "aud": aud["staging"]},
        "tag job asking for plan": {"sub": tag, "aud": plan_aud},
        "main job with the default audience": {"sub": main, "aud": "sts.amazonaws.com"},
        "other project": {"sub": main.replace(repo, f"{repo}-fork"), "aud": aud["prod"]},
    }
    for env, plan in by_env.items():
        deploy = _doc(plan, f"{slug}--{env}-deploy", "trust")
        plan_role = _doc(plan, f"{slug}--{env}-plan", "trust")
        for who, claims in job.items():
            expected = who == f"deploy-{env}"
            assert can_assume_with_web_identity(deploy, provider, claims) == expected, (env, who)
            expected = who in {"plan on main", "plan on a branch"}
            assert can_assume_with_web_identity(plan_role, provider, claims) == expected, (env, who)
    provider_ids = {
        tuple(sorted(r["values"]["client_id_list"]))
        for plan in by_env.values()
        for r in _planned(plan, "aws_iam_openid_connect_provider")
    }
    assert provider_ids == {tuple(sorted([*aud.values(), plan_aud]))}


def _planned(plan: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    def walk(module: dict[str, Any]) -> list[dict[str, Any]]:
        found = [r for r in module.get("resources", []) if r["type"] == type_]
        for child in module.get("child_modules", []):
            found += walk(child)
        return found

    return walk(plan["planned_values"]["root_module"])


# ---- what the dev roles are refused ----------------------------------------------------------


@pytest.fixture(scope="module")
def dev_policies(plans: Plans, rendered_project: Rendered) -> dict[str, Any]:
    project, _ = rendered_project("defaults")
    answers = read_answers(project)
    slug = answers["project_slug"]
    dev = plans("defaults")["dev"]
    account = _account(dev)
    return {
        "slug": slug,
        "region": answers["aws_region"],
        "iam": f"arn:aws:iam::{account}",
        "deploy": [
            _doc(dev, f"{slug}--dev-deploy-iam", "identity"),
            _doc(dev, f"{slug}--dev-deploy-resources", "identity"),
        ],
        "plan": [_doc(dev, f"{slug}--dev-plan", "identity")],
        "boundary": _doc(dev, f"{slug}--dev-boundary", "identity"),
        "prod_plan": [_doc(plans("defaults")["prod"], f"{slug}--prod-plan", "identity")],
    }


# (description, action, resource, context, allowed): each refusal next to its control.
def _deploy_cases(p: dict[str, Any]) -> list[tuple[str, str, str, dict[str, str], bool]]:
    s, iam = p["slug"], p["iam"]
    boundary = f"{iam}:policy/{s}--dev-boundary"
    with_boundary = {"iam:PermissionsBoundary": boundary}
    other = f"{s}-churn"  # a second project whose slug starts with this one's
    return [
        ("new default version of its own policy", "iam:CreatePolicyVersion", f"{iam}:policy/{s}--dev-deploy-iam", {}, False),
        ("set a default version of its own policy", "iam:SetDefaultPolicyVersion", f"{iam}:policy/{s}--dev-deploy-resources", {}, False),
        ("new version of the boundary", "iam:CreatePolicyVersion", boundary, {}, False),
        ("control: create a new policy of the environment", "iam:CreatePolicy", f"{iam}:policy/{s}--dev-extra", {}, True),
        ("create a role without the boundary", "iam:CreateRole", f"{iam}:role/{s}--dev-escape", {}, False),
        ("create a role with another boundary", "iam:CreateRole", f"{iam}:role/{s}--dev-escape", {"iam:PermissionsBoundary": f"{iam}:policy/{s}--dev-deploy-iam"}, False),
        ("control: create a role with the boundary", "iam:CreateRole", f"{iam}:role/{s}--dev-worker", with_boundary, True),
        ("remove a role's boundary", "iam:DeleteRolePermissionsBoundary", f"{iam}:role/{s}--dev-training", {}, False),
        ("attach a policy to itself", "iam:AttachRolePolicy", f"{iam}:role/{s}--dev-deploy", {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}, False),
        ("put an inline policy on itself", "iam:PutRolePolicy", f"{iam}:role/{s}--dev-deploy", {}, False),
        ("put an inline policy on the plan role", "iam:PutRolePolicy", f"{iam}:role/{s}--dev-plan", {}, False),
        ("control: put an inline policy on a bounded role", "iam:PutRolePolicy", f"{iam}:role/{s}--dev-training", with_boundary, True),
        ("change the prod deploy role's trust", "iam:UpdateAssumeRolePolicy", f"{iam}:role/{s}--prod-deploy", {}, False),
        ("change its own trust", "iam:UpdateAssumeRolePolicy", f"{iam}:role/{s}--dev-deploy", {}, False),
        ("change a workload role's trust (to assume it)", "iam:UpdateAssumeRolePolicy", f"{iam}:role/{s}--dev-training", {}, False),
        ("assume a workload role", "sts:AssumeRole", f"{iam}:role/{s}--dev-training", {}, False),
        ("control: tag a workload role", "iam:TagRole", f"{iam}:role/{s}--dev-training", {}, True),
        ("write to a prod bucket", "s3:PutObject", f"arn:aws:s3:::{s}--prod-raw/data.csv", {}, False),
        ("write the prod state", "s3:PutObject", f"arn:aws:s3:::{s}--prod-tfstate/{s}/prod/terraform.tfstate", {}, False),
        ("read the prod state", "s3:GetObject", f"arn:aws:s3:::{s}--prod-tfstate/{s}/prod/terraform.tfstate", {}, False),
        ("control: write its own state", "s3:PutObject", f"arn:aws:s3:::{s}--dev-tfstate/{s}/dev/terraform.tfstate", {}, True),
        ("control: write a dev bucket", "s3:PutObject", f"arn:aws:s3:::{s}--dev-raw/data.csv", {}, True),
        ("weaken its own state bucket", "s3:PutBucketPolicy", f"arn:aws:s3:::{s}--dev-tfstate", {}, False),
        ("erase state history", "s3:DeleteObjectVersion", f"arn:aws:s3:::{s}--dev-tfstate/{s}/dev/terraform.tfstate", {}, False),
        ("control: set a dev data bucket's policy", "s3:PutBucketPolicy", f"arn:aws:s3:::{s}--dev-raw", {}, True),
        ("write a second project's bucket", "s3:PutObject", f"arn:aws:s3:::{other}--dev-raw/data.csv", {}, False),
        ("delete a second project's bucket", "s3:DeleteBucket", f"arn:aws:s3:::{other}--dev-raw", {}, False),
        ("change a second project's role", "iam:UpdateAssumeRolePolicy", f"{iam}:role/{other}--dev-training", {}, False),
        ("start a second project's build", "codebuild:StartBuild", f"arn:aws:codebuild:{p['region']}:{iam[-12:]}:project/{other}--dev-image", {}, False),
        ("control: start its own build", "codebuild:StartBuild", f"arn:aws:codebuild:{p['region']}:{iam[-12:]}:project/{s}--dev-image", {}, True),
        ("pass the build role to Lambda", "iam:PassRole", f"{iam}:role/{s}--dev-image-codebuild", {"iam:PassedToService": "lambda.amazonaws.com"}, False),
        ("pass the training role to CodeBuild", "iam:PassRole", f"{iam}:role/{s}--dev-training", {"iam:PassedToService": "codebuild.amazonaws.com"}, False),
        ("control: pass the build role to CodeBuild", "iam:PassRole", f"{iam}:role/{s}--dev-image-codebuild", {"iam:PassedToService": "codebuild.amazonaws.com"}, True),
        ("change the shared OIDC provider", "iam:AddClientIDToOpenIDConnectProvider", f"{iam}:oidc-provider/token.actions.githubusercontent.com", {}, False),
    ]  # fmt: skip


@pytest.mark.xdist_group("defaults")
def test_dev_deploy_role_is_refused_what_would_lead_out_of_dev(
    dev_policies: dict[str, Any],
) -> None:
    for description, action, resource, context, expected in _deploy_cases(dev_policies):
        allowed = is_allowed(dev_policies["deploy"], action, resource, context)
        assert allowed == expected, f"{description}: {action} on {resource}"


@pytest.mark.xdist_group("defaults")
def test_dev_plan_role_reads_only_its_state_and_settings(dev_policies: dict[str, Any]) -> None:
    s = dev_policies["slug"]
    state = f"arn:aws:s3:::{s}--dev-tfstate/{s}/dev/terraform.tfstate"
    cases = [
        ("read its state", "s3:GetObject", state, True),
        ("take its lock", "s3:PutObject", f"{state}.tflock", True),
        ("write its state", "s3:PutObject", state, False),
        ("read dev data", "s3:GetObject", f"arn:aws:s3:::{s}--dev-raw/data.csv", False),
        ("read a dev bucket's settings", "s3:GetBucketPolicy", f"arn:aws:s3:::{s}--dev-raw", True),
        ("read the prod state", "s3:GetObject", f"arn:aws:s3:::{s}--prod-tfstate/{s}/prod/terraform.tfstate", False),
        ("take the prod lock", "s3:PutObject", f"arn:aws:s3:::{s}--prod-tfstate/{s}/prod/terraform.tfstate.tflock", False),
        ("read prod data", "s3:GetObject", f"arn:aws:s3:::{s}--prod-raw/data.csv", False),
        ("change a role", "iam:PutRolePolicy", f"{dev_policies['iam']}:role/{s}--dev-training", False),
    ]  # fmt: skip
    for description, action, resource, expected in cases:
        assert is_allowed(dev_policies["plan"], action, resource) == expected, description
    prod_state = f"arn:aws:s3:::{s}--prod-tfstate/{s}/prod/terraform.tfstate"
    assert is_allowed(dev_policies["prod_plan"], "s3:GetObject", prod_state)
    assert not is_allowed(dev_policies["prod_plan"], "s3:GetObject", state)


@pytest.mark.xdist_group("defaults")
def test_roles_made_by_the_deploy_role_stay_inside_the_boundary(
    dev_policies: dict[str, Any],
) -> None:
    s, iam = dev_policies["slug"], dev_policies["iam"]
    everything = [
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    ]
    boundary = dev_policies["boundary"]
    cases = [
        ("create a role", "iam:CreateRole", f"{iam}:role/{s}--dev-x", False),
        ("assume a role", "sts:AssumeRole", f"{iam}:role/{s}--prod-deploy", False),
        ("write prod data", "s3:PutObject", f"arn:aws:s3:::{s}--prod-raw/data.csv", False),
        ("read prod data (dev reads prod, read-only)", "s3:GetObject", f"arn:aws:s3:::{s}--prod-raw/data.csv", True),
        ("read the prod state", "s3:GetObject", f"arn:aws:s3:::{s}--prod-tfstate/{s}/prod/terraform.tfstate", False),
        ("write dev data", "s3:PutObject", f"arn:aws:s3:::{s}--dev-models/model.pkl", True),
    ]  # fmt: skip
    for description, action, resource, expected in cases:
        allowed = is_allowed(everything, action, resource, boundary=boundary)
        assert allowed == expected, description


@pytest.mark.xdist_group("defaults")
def test_boundary_lets_training_jobs_pull_and_log_only_their_own(
    dev_policies: dict[str, Any],
) -> None:
    """What a SageMaker training job does as the training role, as far as the boundary lets
    any role of the environment: pull the environment's image, open and write its own log
    streams. (The training role's own policy is unknown at plan time, its bucket ARNs coming
    from the lake module; ml_iam's terraform test pins the same actions and resources.)"""
    s, region = dev_policies["slug"], dev_policies["region"]
    account = dev_policies["iam"].rsplit(":", 1)[1]
    everything = [
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    ]
    boundary = dev_policies["boundary"]
    group = f"arn:aws:logs:{region}:{account}:log-group:/aws/sagemaker/TrainingJobs"
    job = f"{s}--dev-train-20260101-000000"
    repository = f"arn:aws:ecr:{region}:{account}:repository/{s}/dev"
    cases = [
        ("log in to ECR", "ecr:GetAuthorizationToken", "*", True),
        ("pull the environment's image", "ecr:BatchGetImage", repository, True),
        ("pull its layers", "ecr:GetDownloadUrlForLayer", repository, True),
        ("pull prod's image", "ecr:BatchGetImage", repository.replace("/dev", "/prod"), False),
        ("create the training log group", "logs:CreateLogGroup", f"{group}:*", True),
        ("create a job's log stream", "logs:CreateLogStream", f"{group}:*", True),
        ("find its stream", "logs:DescribeLogStreams", f"{group}:*", True),
        ("write its job's logs", "logs:PutLogEvents", f"{group}:log-stream:{job}/algo-1-1767225600", True),
        ("write a prod job's logs", "logs:PutLogEvents", f"{group}:log-stream:{s}--prod-train-1/algo-1-1", False),
        ("write another project's job's logs", "logs:PutLogEvents", f"{group}:log-stream:{s}x--dev-train-1/algo-1-1", False),
        ("write another service's logs", "logs:PutLogEvents", f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/x:log-stream:y", False),
        ("delete the training log group", "logs:DeleteLogGroup", group, False),
    ]  # fmt: skip
    for description, action, resource, expected in cases:
        allowed = is_allowed(everything, action, resource, boundary=boundary)
        assert allowed == expected, description


# ---- the same refusals, acted out on the emulator with IAM enforcement ------------------------


def _emulator_module(project: Path) -> Any:
    """infra/local/emulator.py of the rendered project (moto, extended with IAM conditions
    and boundaries)."""
    import importlib.util

    path = project / "infra" / "local" / "emulator.py"
    spec = importlib.util.spec_from_file_location("rendered_emulator", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _refused(call: Callable[[], Any]) -> bool:
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as error:
        code = error.response["Error"]["Code"]
        assert code in {"AccessDenied", "AccessDeniedException"}, error
        return True
    return False


@pytest.mark.xdist_group("defaults")
def test_dev_deploy_role_is_refused_on_the_emulator(
    plans: Plans, rendered_project: Rendered
) -> None:
    """The dev deploy role, made on the emulator from its planned policies and assumed, acts
    under IAM enforcement (moto's auth plus infra/local's conditions and boundaries)."""
    project, _ = rendered_project("defaults")
    slug = read_answers(project)["project_slug"]
    dev = plans("defaults")["dev"]
    emulator_module = _emulator_module(project)
    account = emulator_module.ACCOUNT_ID
    assert _account(dev) == account  # the plan was made against the same fake account
    iam_arn = f"arn:aws:iam::{account}"
    boundary_arn = f"{iam_arn}:policy/{slug}--dev-boundary"
    trust = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"{iam_arn}:root"},
                       "Action": "sts:AssumeRole"}],
    })  # fmt: skip
    with emulator_module.running_emulator() as emulator:
        iam, s3, sts = (emulator.client(s) for s in ("iam", "s3", "sts"))
        for name in ("boundary", "deploy-iam", "deploy-resources"):
            iam.create_policy(
                PolicyName=f"{slug}--dev-{name}",
                PolicyDocument=json.dumps(_doc(dev, f"{slug}--dev-{name}", "identity")),
            )
        # The deploy role as the stack makes it, trusted here by the account (the emulator
        # does not check OIDC tokens; the trust evaluation tests above cover who may assume it).
        iam.create_role(RoleName=f"{slug}--dev-deploy", AssumeRolePolicyDocument=trust)
        for name in ("deploy-iam", "deploy-resources"):
            iam.attach_role_policy(
                RoleName=f"{slug}--dev-deploy", PolicyArn=f"{iam_arn}:policy/{slug}--dev-{name}"
            )
        iam.create_role(RoleName=f"{slug}--prod-deploy", AssumeRolePolicyDocument=trust)
        iam.create_role(
            RoleName=f"{slug}--dev-training",
            AssumeRolePolicyDocument=trust,
            PermissionsBoundary=boundary_arn,
        )
        other = f"{slug}-churn"  # a second project whose slug starts with this one's
        for bucket in (f"{slug}--dev-raw", f"{slug}--prod-raw", f"{slug}--prod-tfstate",
                       f"{other}--dev-raw"):  # fmt: skip
            s3.create_bucket(Bucket=bucket)
        credentials = sts.assume_role(
            RoleArn=f"{iam_arn}:role/{slug}--dev-deploy", RoleSessionName="deploy-dev"
        )["Credentials"]
        emulator.enforce_iam()
        as_deploy = {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "session_token": credentials["SessionToken"],
        }
        d_iam, d_s3 = emulator.client("iam", **as_deploy), emulator.client("s3", **as_deploy)
        everything = json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        })  # fmt: skip
        cases: list[tuple[str, Callable[[], Any], bool]] = [
            ("new default version of its own policy", lambda: d_iam.create_policy_version(
                PolicyArn=f"{iam_arn}:policy/{slug}--dev-deploy-iam",
                PolicyDocument=everything, SetAsDefault=True), True),
            ("control: a new policy of the environment", lambda: d_iam.create_policy(
                PolicyName=f"{slug}--dev-extra", PolicyDocument=everything), False),
            ("a role without the boundary", lambda: d_iam.create_role(
                RoleName=f"{slug}--dev-escape", AssumeRolePolicyDocument=trust), True),
            ("control: a role with the boundary", lambda: d_iam.create_role(
                RoleName=f"{slug}--dev-worker", AssumeRolePolicyDocument=trust,
                PermissionsBoundary=boundary_arn), False),
            ("the prod deploy role's trust", lambda: d_iam.update_assume_role_policy(
                RoleName=f"{slug}--prod-deploy", PolicyDocument=trust), True),
            ("its own trust", lambda: d_iam.update_assume_role_policy(
                RoleName=f"{slug}--dev-deploy", PolicyDocument=trust), True),
            ("control: tag a workload role", lambda: d_iam.tag_role(
                RoleName=f"{slug}--dev-training", Tags=[{"Key": "k", "Value": "v"}]), False),
            ("write a prod bucket", lambda: d_s3.put_object(
                Bucket=f"{slug}--prod-raw", Key="x", Body=b"x"), True),
            ("write the prod state", lambda: d_s3.put_object(
                Bucket=f"{slug}--prod-tfstate", Key=f"{slug}/prod/terraform.tfstate",
                Body=b"{}"), True),
            ("write a second project's bucket", lambda: d_s3.put_object(
                Bucket=f"{other}--dev-raw", Key="x", Body=b"x"), True),
            ("control: write a dev bucket", lambda: d_s3.put_object(
                Bucket=f"{slug}--dev-raw", Key="x", Body=b"x"), False),
        ]  # fmt: skip
        outcomes = {description: _refused(call) for description, call, _ in cases}
    assert outcomes == {description: refused for description, _, refused in cases}
