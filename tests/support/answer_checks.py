"""What every accepted answer set must give, checked on a rendered (not yet locked) project,
and the AWS naming rules the answers must satisfy at every environment."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from dayone.copier_api import render_copy
from dayone.errors import DayoneError

ENVIRONMENTS = ("dev", "staging", "prod")

# Every name the stack and the bootstrap derive from the slug, per environment
# (template/*infra*/names, bootstrap, stack, terraform_modules/): (kind, suffix after "<slug>--<env>"; the ECR repository is "<slug>/<env>"). test_aws_names pins that each
# suffix still appears in the Terraform, so a renamed resource fails here, not on apply.
DERIVED_NAMES: list[tuple[str, str]] = [
    ("s3", "-raw"),
    ("s3", "-processed"),
    ("s3", "-models"),
    ("s3", "-artifacts"),
    ("s3", "-tfstate"),
    ("ecr", ""),
    ("iam_role", "-training"),
    ("iam_policy", "-training-access"),
    ("iam_role", "-image-codebuild"),
    ("iam_policy", "-image-codebuild-build"),
    ("iam_role", "-deploy"),
    ("iam_role", "-plan"),
    ("iam_role", "-trainer"),
    ("iam_role", "-prod-data-reader"),
    ("iam_policy", "-deploy"),
    ("iam_policy", "-plan"),
    ("iam_policy", "-trainer"),
    ("iam_policy", "-prod-data-readonly"),
    ("budget", "-monthly"),
    ("codebuild", "-image"),
]

S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def aws_name_problems(slug: str) -> list[str]:
    """Why AWS would refuse a name derived from `slug`, for every environment; [] if none."""
    problems: list[str] = []
    for env in ENVIRONMENTS:
        for kind, suffix in DERIVED_NAMES:
            name = f"{slug}/{env}" if kind == "ecr" else f"{slug}--{env}{suffix}"
            if kind == "s3":
                ok = (
                    3 <= len(name) <= 63
                    and re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name) is not None
                    and ".." not in name
                    and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name)
                    and not name.startswith(S3_RESERVED_PREFIXES)
                    and not name.endswith(S3_RESERVED_SUFFIXES)
                )
            elif kind == "ecr":
                ok = 2 <= len(name) <= 256 and bool(
                    re.fullmatch(
                        r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*", name
                    )
                )
            elif kind == "iam_role":
                ok = len(name) <= 64 and bool(re.fullmatch(r"[\w+=,.@-]+", name))
            elif kind == "iam_policy":
                ok = len(name) <= 128 and bool(re.fullmatch(r"[\w+=,.@-]+", name))
            elif kind == "budget":
                ok = len(name) <= 100 and not re.search(r"[:\\]", name)
            else:  # codebuild project
                ok = 2 <= len(name) <= 150 and bool(
                    re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name)
                )
            if not ok:
                problems.append(f"{kind} {name!r}")
    return problems


def try_render(template: str, dest: Path, data: dict[str, Any]) -> str | None:
    """Render with dayone's copier call (answers checked as `dayone new` checks them, no
    lock, no commit); None when accepted, else the one-line refusal."""
    try:
        render_copy(template, dest, data=dict(data), defaults=True, vcs_ref=None, quiet=True)
    except DayoneError as error:
        return str(error)
    return None


def check_rendered(dest: Path, given: dict[str, Any]) -> None:
    """An accepted answer set: every file where answers land is well formed, and every answer
    arrives exactly as given (never converted)."""
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    for key, value in given.items():
        assert str(recorded[key]) == value or recorded[key] == value, (key, recorded[key])
    pyproject = tomllib.loads((dest / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    assert project["name"] == recorded["project_slug"]
    assert project["description"] == recorded["description"]
    assert project["authors"] == [
        {"name": recorded["author_name"], "email": recorded["author_email"]}
    ]
    package = recorded["package_name"]
    assert (dest / "src" / package / "__init__.py").is_file()
    readme = (dest / "README.md").read_text(encoding="utf-8")
    assert recorded["description"] in readme
    for path in dest.rglob("*"):
        if path.is_file() and path.suffix in {".md", ".toml", ".yml", ".yaml", ".json", ""}:
            text = path.read_text(encoding="utf-8")
            for line in text.splitlines():
                assert line == line.rstrip(), f"trailing whitespace in {path}"
    if recorded.get("cloud") == "aws":
        assert aws_name_problems(recorded["project_slug"]) == []
        for env in ENVIRONMENTS:
            tfvars = json.loads(
                (dest / "infra" / "envs" / env / "terraform.tfvars.json").read_text("utf-8")
            )
            assert tfvars["project"] == recorded["project_slug"]
            assert 1 <= len(tfvars["alert_emails"]) <= 10
            assert len({e.lower() for e in tfvars["alert_emails"]}) == len(tfvars["alert_emails"])
            per_environment = recorded["aws_accounts"] == "per-environment"
            assert tfvars["dev_account_id"] == (
                recorded["dev_account_id"] if per_environment else ""
            )
    if recorded.get("cloud") == "gcp":
        for env in ENVIRONMENTS:
            tfvars = json.loads(
                (dest / "infra" / "envs" / env / "terraform.tfvars.json").read_text("utf-8")
            )
            project_id = f"{tfvars['project_prefix']}-{env}"
            assert re.fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", project_id), project_id
            assert tfvars["billing_account"] == recorded["gcp_billing_account"]
            assert 1 <= len(tfvars["alert_emails"]) <= 5
    assert secrets_found(dest, given) == []


def secrets_found(dest: Path, given: dict[str, Any]) -> list[str]:
    """What the generated project's detect-secrets hook would report in the files answers
    reach, with the project's own baseline settings. Typed answers only: a choice (`github`,
    `aws`, a region) is the template's own word, in every render of that choice, whose files
    the answer sets' lint scans whole; looking for it here scanned nearly every file."""
    from tests.support.answer_grammar import CHOICE_QUESTIONS

    answers = {
        v
        for k, v in given.items()
        if k not in CHOICE_QUESTIONS and isinstance(v, str) and len(v) >= 4
    }
    from detect_secrets.core import baseline
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import transient_settings

    config = baseline.load_from_file(str(dest / ".secrets.baseline"))
    found: list[str] = []
    # Its plugins and its filters (the lines it excludes: the repository answer, a path that
    # can look like base64 to the entropy plugin), as the hook reads them.
    settings = {key: config[key] for key in ("plugins_used", "filters_used")}
    with transient_settings(settings):
        collection = SecretsCollection()
        # Every file of the first commit (but the hook's baseline) that holds an answer: they
        # reach CI rules and docs too, not only the answers file and the tfvars. The files no
        # answer reaches are the template's own, which the README demo's lint scans.
        for path in sorted(dest.rglob("*")):
            relative = path.relative_to(dest)
            if not path.is_file() or relative.parts[0] in {".git", ".secrets.baseline"}:
                continue
            text = path.read_bytes().decode("utf-8", errors="ignore")
            if any(value in text for value in answers):
                collection.scan_file(str(path))
        for filename, secret in collection:
            found.append(f"{filename}:{secret.line_number} {secret.type}")
    return found
