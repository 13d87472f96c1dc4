"""Table of named bad inputs to `dayone new`: each is refused before anything is rendered, with
one line `dayone: error: ...` that names the question (or option/file) at fault, exit code 1,
and no destination left behind. The few unusual-but-fine inputs at the end are accepted and
render a well-formed project (see tests/support/answer_checks.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dayone.cli import app
from tests.support.answer_checks import check_rendered, try_render

EMAILS_11 = ",".join(f"alert{i}@example.com" for i in range(11))
EMAILS_10 = ",".join(f"alert{i}@example.com" for i in range(10))
# A valid GCP answer set around the one bad answer.
GCP = {"cloud": "gcp", "gcp_billing_account": "01A2B3-C4D5E6-F7A8B9"}


def bad(question: str, value: str, fragment: str, case_id: str, **extra: str) -> object:
    """Refused: `--data question=value` (plus `extra` answers); the line names `question`."""
    return pytest.param({question: value, **extra}, question, fragment, id=case_id)


BAD = [
    # ---- project_name ---------------------------------------------------------------------
    bad("project_name", "", "project_name must start with a letter", "name-empty"),
    bad("project_name", "1st model", "project_name must start", "name-digit-first"),
    bad("project_name", "-model", "project_name must start", "name-hyphen-first"),
    bad("project_name", "churn\n", "project_name must start", "name-newline"),
    bad("project_name", "churn ", "must not end with a space", "name-trailing-space"),
    bad("project_name", " churn", "project_name must start", "name-leading-space"),
    bad("project_name", 'a"b', "project_name must start", "name-quote"),
    bad("project_name", "a${x}", "project_name must start", "name-interpolation"),
    bad("project_name", "{{ 7*7 }}", "project_name must start", "name-jinja"),
    bad("project_name", "Zoë model", "project_name must start", "name-non-ascii"),
    bad("project_name", "a" * 65, "at most 64 characters", "name-too-long"),
    bad(
        "project_name",
        "pandas",
        'project_name "pandas" gives the project_slug',
        "name-gives-dependency-slug",
    ),
    bad("project_name", "Scikit Learn", "pass project_slug", "name-gives-scikit-learn"),
    bad("project_name", "numpy", "pass project_slug", "name-gives-transitive-dependency"),
    bad("project_name", "sthree-model", "S3 reserves", "name-gives-s3-reserved-slug"),
    bad(
        "project_name",
        "A" * 40,
        "choose another project_name or pass project_slug",
        "name-gives-long-slug",
    ),
    bad(
        "project_name",
        "test",
        'project_name "test" gives the package_name "test"',
        "name-gives-stdlib-package",
    ),
    bad(
        "project_slug",
        "json",
        'project_slug "json" gives the package_name "json"',
        "slug-gives-stdlib-package",
    ),
    bad("project_name", "json", "pass package_name", "name-gives-json-package"),
    # ---- project_slug ---------------------------------------------------------------------
    bad("project_slug", "Churn", "project_slug must start with a lower-case", "slug-upper"),
    bad("project_slug", "churn model", "project_slug must start", "slug-space"),
    bad("project_slug", "1churn", "project_slug must start", "slug-digit-first"),
    bad("project_slug", "churn\n", "project_slug must start", "slug-newline"),
    bad("project_slug", "churn--model", "project_slug must start", "slug-double-hyphen"),
    bad("project_slug", "churn-", "project_slug must start", "slug-trailing-hyphen"),
    bad("project_slug", "churn_model", "project_slug must start", "slug-underscore"),
    bad("project_slug", "churn.model", "project_slug must start", "slug-dot"),
    bad("project_slug", "a" * 33, "at most 32 characters", "slug-33-chars"),
    bad("project_slug", "xn--model", "project_slug must start", "slug-xn-prefix"),
    bad("project_slug", "sthree-model", "S3 reserves", "slug-sthree-prefix"),
    bad("project_slug", "sthree-configurator", "S3 reserves", "slug-sthree-configurator"),
    bad("project_slug", "amzn-s3-demo-model", "S3 reserves", "slug-amzn-s3-demo-prefix"),
    # Names are <slug>--<env>-...: these slugs alone make a reserved bucket-name prefix.
    bad("project_slug", "xn", "S3 reserves", "slug-xn-then-separator"),
    bad("project_slug", "sthree", "S3 reserves", "slug-sthree-then-separator"),
    bad("project_slug", "amzn-s3-demo", "S3 reserves", "slug-amzn-s3-demo-then-separator"),
    bad("project_slug", "pandas", "project_slug must not be the name of a package", "slug-pandas"),
    bad("project_slug", "numpy", "project_slug must not be the name", "slug-numpy"),
    bad("project_slug", "scikit-learn", "project_slug must not be the name", "slug-scikit-learn"),
    bad("project_slug", "mlflow-skinny", "project_slug must not be the name", "slug-mlflow-skinny"),
    bad("project_slug", "mlflow", "project_slug must not be the name", "slug-mlflow-script"),
    bad("project_slug", "pydantic", "project_slug must not be the name", "slug-pydantic"),
    bad(
        "project_slug",
        "pydantic-settings",
        "project_slug must not be the name",
        "slug-pydantic-settings",
    ),
    bad("project_slug", "boto3", "project_slug must not be the name", "slug-boto3"),
    bad("project_slug", "typer", "project_slug must not be the name", "slug-typer"),
    bad("project_slug", "pytest", "project_slug must not be the name", "slug-pytest"),
    bad("project_slug", "mypy", "project_slug must not be the name", "slug-mypy"),
    bad("project_slug", "ruff", "project_slug must not be the name", "slug-ruff"),
    bad("project_slug", "pre-commit", "project_slug must not be the name", "slug-pre-commit"),
    bad("project_slug", "moto", "project_slug must not be the name", "slug-moto"),
    bad("project_slug", "python", "project_slug must not be the name", "slug-python-script"),
    bad("project_slug", "terraform", "project_slug must not be the name", "slug-terraform-tool"),
    bad("project_slug", "uv", "project_slug must not be the name", "slug-uv"),
    # ---- package_name ---------------------------------------------------------------------
    bad("package_name", "class", "must not be a Python keyword", "pkg-keyword"),
    bad("package_name", "import", "must not be a Python keyword", "pkg-keyword-import"),
    bad("package_name", "experiments", "top-level folder", "pkg-experiments-folder"),
    bad("package_name", "tests", "top-level folder", "pkg-tests-folder"),
    bad("package_name", "src", "top-level folder", "pkg-src-folder"),
    bad("package_name", "Churn", "package_name must start", "pkg-upper"),
    bad("package_name", "9lives", "package_name must start", "pkg-digit-first"),
    bad("package_name", "churn\n", "package_name must start", "pkg-newline"),
    bad("package_name", "churn-model", "package_name must start", "pkg-hyphen"),
    bad("package_name", "_private", "package_name must start", "pkg-underscore-first"),
    bad("package_name", "p" * 33, "at most 32 characters", "pkg-33-chars"),
    bad("package_name", "test", "package_name must not shadow", "pkg-test"),
    bad("package_name", "os", "package_name must not shadow", "pkg-os"),
    bad("package_name", "json", "package_name must not shadow", "pkg-json"),
    bad("package_name", "typing", "package_name must not shadow", "pkg-typing"),
    bad("package_name", "logging", "package_name must not shadow", "pkg-logging"),
    bad("package_name", "yaml", "package_name must not shadow", "pkg-yaml"),
    bad("package_name", "pandas", "package_name must not shadow", "pkg-pandas"),
    bad("package_name", "sklearn", "package_name must not shadow", "pkg-sklearn"),
    bad("package_name", "mlflow", "package_name must not shadow", "pkg-mlflow"),
    bad("package_name", "pytest", "package_name must not shadow", "pkg-pytest"),
    bad("package_name", "conftest", "package_name must not shadow", "pkg-conftest"),
    bad("package_name", "tomllib", "package_name must not shadow", "pkg-tomllib"),
    # ---- description ----------------------------------------------------------------------
    bad("description", "", "description must be a single line", "desc-empty"),
    bad("description", "one\ntwo", "description must be a single line", "desc-newline"),
    bad("description", "one\rtwo", "description must be a single line", "desc-carriage-return"),
    bad("description", "tab\there", "description must be a single line", "desc-tab"),
    bad("description", "nul\x00here", "description must be a single line", "desc-nul"),
    bad("description", "del\x7fhere", "description must be a single line", "desc-del"),
    bad("description", "line\u2028sep", "description must be a single line", "desc-line-separator"),
    bad("description", "x" * 201, "description must be a single line", "desc-201-chars"),
    bad("description", "trailing ", "must not start or end with a space", "desc-trailing-space"),
    bad("description", " leading", "must not start or end with a space", "desc-leading-space"),
    bad("description", "nbsp\u00a0", "description must", "desc-trailing-nbsp"),
    bad("description", "AKIAIOSFODNN7EXAMPLE", "looks like a secret", "desc-aws-key-id"),
    bad(
        "description",
        "key ASIAIOSFODNN7EXAMPLE here",
        "looks like a secret",
        "desc-aws-session-key",
    ),
    bad(
        "description", "-----BEGIN RSA PRIVATE KEY-----", "looks like a secret", "desc-private-key"
    ),
    bad("description", "ghp_" + "a1B2" * 9, "looks like a secret", "desc-github-token"),
    bad("description", "glpat-abcdefghij0123456789", "looks like a secret", "desc-gitlab-token"),
    bad("description", "xoxb-1234-5678-abcdef", "looks like a secret", "desc-slack-token"),
    bad("description", "sk_live_abcdefghij", "looks like a secret", "desc-stripe-key"),
    bad("description", "password = hunter2", "looks like a secret", "desc-password-assignment"),
    bad("description", "api_key: 12345", "looks like a secret", "desc-api-key"),
    bad(
        "description",
        "see https://user:pa55@example.com",
        "looks like a secret",
        "desc-url-credentials",
    ),
    bad("description", "serves on 8.8.8.8", "looks like a secret", "desc-public-ip"),
    bad("description", "commit 3f2a9c7d1e8b4a6f", "looks like a secret", "desc-hex-run"),
    bad(
        "description", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", "looks like a secret", "desc-jwt"
    ),
    bad("description", "\udcff", "description must be a single line", "desc-lone-surrogate"),
    # ---- author_name ----------------------------------------------------------------------
    bad("author_name", "", "author_name must be a single", "author-empty"),
    bad("author_name", "   ", "author_name must not start or end with a space", "author-blank"),
    bad("author_name", "a\nb", "author_name must be a single", "author-newline"),
    bad("author_name", "ML Team ", "must not start or end with a space", "author-trailing-space"),
    bad("author_name", "n" * 101, "author_name must be a single", "author-101-chars"),
    bad("author_name", "Team <lead>", "must not hold < or >", "author-angle-brackets"),
    bad("author_name", "...", "more than punctuation", "author-only-punctuation"),
    bad("author_name", "AKIAIOSFODNN7EXAMPLE", "looks like a secret", "author-aws-key-id"),
    # ---- author_email ---------------------------------------------------------------------
    bad("author_email", "not-an-email", "author_email must be an e-mail", "email-plain"),
    bad("author_email", "a@b", "author_email must be an e-mail", "email-no-tld"),
    bad("author_email", "a@example.com\n", "author_email must be an e-mail", "email-newline"),
    bad("author_email", "a b@example.com", "author_email must be an e-mail", "email-space"),
    bad("author_email", "a@@example.com", "author_email must be an e-mail", "email-double-at"),
    bad(
        "author_email",
        "l" * 65 + "@example.com",
        "author_email must be an e-mail",
        "email-long-local-part",
    ),
    bad(
        "author_email",
        "a%b@example.com",
        'author_email "a%b@example.com" cannot be the owner tag',
        "email-not-a-tag-value",
    ),
    # ---- owner ----------------------------------------------------------------------------
    bad("owner", "", "owner must be 1 to 256", "owner-empty"),
    bad("owner", "team#1", "owner must be 1 to 256", "owner-hash"),
    bad("owner", "o" * 257, "owner must be 1 to 256", "owner-257-chars"),
    bad("owner", "team ", "owner must be 1 to 256", "owner-trailing-space"),
    bad("owner", "a\nb", "owner must be 1 to 256", "owner-newline"),
    bad("owner", "Zoë", "owner must be 1 to 256", "owner-non-ascii"),
    # ---- alert_emails ---------------------------------------------------------------------
    bad("alert_emails", "", "alert_emails must be e-mail addresses", "alerts-empty"),
    bad(
        "alert_emails",
        "a@example.com,",
        "alert_emails must be e-mail addresses",
        "alerts-trailing-comma",
    ),
    bad(
        "alert_emails",
        "a@example.com;b@example.com",
        "alert_emails must be e-mail",
        "alerts-semicolon",
    ),
    bad(
        "alert_emails",
        "a@example.com,not-an-email",
        "alert_emails must be e-mail",
        "alerts-one-bad",
    ),
    bad("alert_emails", EMAILS_11, "at most 10 addresses", "alerts-11"),
    bad("alert_emails", "a@example.com,a@example.com", "must not repeat", "alerts-duplicate"),
    bad("alert_emails", "a@example.com, A@Example.com", "must not repeat", "alerts-duplicate-case"),
    # ---- budgets and retention (whole numbers) --------------------------------------------
    bad("budget_usd_dev", "abc", "budget_usd_dev must be a whole number", "budget-dev-text"),
    bad("budget_usd_dev", "1e3", "budget_usd_dev must be a whole number", "budget-dev-exponent"),
    bad("budget_usd_dev", "0x10", "budget_usd_dev must be a whole number", "budget-dev-hex"),
    bad("budget_usd_dev", "12.5", "budget_usd_dev must be a whole number", "budget-dev-decimal"),
    bad("budget_usd_dev", "-5", "budget_usd_dev must be a whole number", "budget-dev-negative"),
    bad("budget_usd_dev", "", "budget_usd_dev must be a whole number", "budget-dev-empty"),
    bad(
        "budget_usd_dev",
        "0",
        "budget_usd_dev must be a whole number of USD from 1",
        "budget-dev-zero",
    ),
    bad(
        "budget_usd_staging",
        "1000001",
        "budget_usd_staging must be a whole number of USD",
        "budget-staging-too-big",
    ),
    bad("budget_usd_prod", " 300", "budget_usd_prod must be a whole number", "budget-prod-space"),
    bad(
        "budget_usd_prod",
        "1_000",
        "budget_usd_prod must be a whole number",
        "budget-prod-underscore",
    ),
    bad(
        "retention_days_dev",
        "0",
        "retention_days_dev must be a whole number of days",
        "retention-dev-zero",
    ),
    bad(
        "retention_days_staging",
        "3651",
        "retention_days_staging must be a whole number",
        "retention-staging-too-long",
    ),
    bad(
        "retention_days_prod",
        "forever",
        "retention_days_prod must be a whole number",
        "retention-prod-text",
    ),
    bad(
        "retention_days_prod",
        "٣",
        "retention_days_prod must be a whole number",
        "retention-prod-arabic-digit",
    ),
    # ---- choices --------------------------------------------------------------------------
    bad("python_version", "3.10", "python_version", "python-3.10"),
    bad("python_version", "3.1", "python_version", "python-3.1"),
    bad("cloud", "azure", "cloud", "cloud-azure"),
    bad("ci", "bitbucket", "ci", "ci-bitbucket"),
    bad("license", "GPL", "license", "license-gpl"),
    bad("aws_region", "mars-1", "aws_region", "region-unknown"),
    bad("aws_accounts", "many", "aws_accounts", "accounts-unknown"),
    # ---- repository -----------------------------------------------------------------------
    bad("repository", "just-a-name", "repository must be owner/name", "repo-no-owner"),
    bad("repository", "org/name\n", "repository must be owner/name", "repo-newline"),
    bad(
        "repository",
        "my_org/x",
        "repository must be owner/name for GitHub",
        "repo-github-underscore-owner",
    ),
    bad("repository", "a/b/c", "repository must be owner/name for GitHub", "repo-github-nested"),
    bad(
        "repository",
        "-org/x",
        "repository must be owner/name for GitHub",
        "repo-github-hyphen-first",
    ),
    bad(
        "repository",
        "org-/x",
        "repository must be owner/name for GitHub",
        "repo-github-hyphen-last",
    ),
    bad(
        "repository",
        "o" * 40 + "/x",
        "repository must be owner/name for GitHub",
        "repo-github-owner-40",
    ),
    bad("repository", "org/..", "repository must be owner/name for GitHub", "repo-github-dotdot"),
    bad(
        "repository", "org/x.git", "repository must be owner/name for GitHub", "repo-github-dot-git"
    ),
    bad("repository", "org/a b", "repository must be owner/name", "repo-space"),
    bad(
        "repository",
        "org/-x",
        "repository must be owner/name for GitLab",
        "repo-gitlab-hyphen-first",
        ci="gitlab",
    ),
    bad(
        "repository",
        "group//x",
        "repository must be owner/name for GitLab",
        "repo-gitlab-empty-part",
        ci="gitlab",
    ),
    bad(
        "repository",
        "group/x.atom",
        "repository must be owner/name for GitLab",
        "repo-gitlab-atom",
        ci="gitlab",
    ),
    # ---- Google Cloud (cloud=gcp): project ids <prefix>-<env> are 6 to 30 characters -------
    bad(
        "gcp_billing_account",
        "",
        "cloud=gcp needs gcp_billing_account",
        "gcp-billing-empty",
        cloud="gcp",
    ),
    bad(
        "gcp_billing_account",
        "01a2b3-c4d5e6-f7a8b9",
        "gcp_billing_account must be",
        "gcp-billing-lower-case",
        cloud="gcp",
    ),
    bad(
        "gcp_billing_account",
        "01A2B3-C4D5E6-F7A8B9\n",
        "gcp_billing_account must be",
        "gcp-billing-newline",
        cloud="gcp",
    ),
    bad("gcp_project_prefix", "a", "2 to 22 characters", "gcp-prefix-too-short", **GCP),
    bad("gcp_project_prefix", "a" * 23, "longest is", "gcp-prefix-staging-too-long", **GCP),
    bad("gcp_project_prefix", "Churn", "must start with a lower-case", "gcp-prefix-upper", **GCP),
    bad("gcp_project_prefix", "churn-", "not ending with a hyphen", "gcp-prefix-hyphen-end", **GCP),
    bad("gcp_project_prefix", "9churn", "must start with a lower-case", "gcp-prefix-digit", **GCP),
    bad(
        "gcp_project_prefix", "my-google-ml", "must not contain google", "gcp-prefix-google", **GCP
    ),
    bad("project_slug", "a" * 23, "pass gcp_project_prefix", "gcp-slug-too-long-for-ids", **GCP),
    bad("project_slug", "ssl-model", "pass gcp_project_prefix", "gcp-slug-has-ssl", **GCP),
    bad("gcp_parent", "org/1", "gcp_parent must be", "gcp-parent-unknown-kind", **GCP),
    bad("gcp_parent", "folders/abc", "gcp_parent must be", "gcp-parent-not-a-number", **GCP),
    bad("gcp_region", "europe-mars1", "gcp_region", "gcp-region-unknown", **GCP),
    bad(
        "alert_emails",
        ",".join(f"a{i}@example.com" for i in range(6)),
        "at most 5 addresses on GCP",
        "gcp-six-alert-emails",
        **GCP,
    ),
    bad("tracking", "vertex", "tracking=vertex needs cloud=gcp", "vertex-on-aws", cloud="aws"),
    bad("tracking", "vertex", "tracking=vertex needs cloud=gcp", "vertex-on-none", cloud="none"),
    bad("tracking", "wandb", "tracking", "tracking-not-a-choice", **GCP),
    # ---- keys that are not questions ------------------------------------------------------
    bad("foo", "bar", "unknown question 'foo'", "unknown-key"),
    bad("descripton", "x", "did you mean 'description'", "unknown-key-typo"),
    bad("project-name", "x", "did you mean 'project_name'", "unknown-key-hyphen"),
    bad("budget_dev", "5", "did you mean 'budget_usd_dev'", "unknown-key-close"),
    bad("environments", "[dev]", "environments is computed", "computed-environments"),
    bad("reserved_project_slugs", "", "reserved_project_slugs is computed", "computed-reserved"),
]


def _new(dest: Path, template: str, *args: str) -> object:
    return CliRunner().invoke(
        app,
        ["new", str(dest), "--defaults", "--template", template, *args],
        catch_exceptions=False,
        env=dict(os.environ),
    )


def _assert_refused(result: object, dest: Path, question: str, fragment: str) -> None:
    stderr = result.stderr  # type: ignore[attr-defined]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert result.exit_code == 1, stderr  # type: ignore[attr-defined]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("dayone: error: "), stderr
    assert question in lines[0], stderr
    assert fragment in lines[0], stderr
    assert not dest.exists()


@pytest.mark.parametrize(("answers", "question", "fragment"), BAD)
def test_bad_answer_is_refused_by_name(
    tmp_path: Path, fast_template: str, answers: dict[str, str], question: str, fragment: str
) -> None:
    dest = tmp_path / "project"
    args = ["--data", "project_name=valid-name"]
    for key, value in answers.items():
        args += ["--data", f"{key}={value}"]
    _assert_refused(_new(dest, fast_template, *args), dest, question, fragment)


# Answers files: YAML would change these values' meaning; they are refused or kept as typed.
BAD_FILES = [
    pytest.param(
        "description: {a: b}\n",
        "description",
        "must be text, but the answer is a mapping",
        id="file-desc-mapping",
    ),
    pytest.param(
        "description: [a, b]\n",
        "description",
        "must be text, but the answer is a list",
        id="file-desc-list",
    ),
    pytest.param(
        "budget_usd_dev: 0x10\n",
        "budget_usd_dev",
        "whole number written in digits, got '0x10'",
        id="file-budget-hex",
    ),
    pytest.param(
        "budget_usd_dev: 1e3\n",
        "budget_usd_dev",
        "whole number written in digits",
        id="file-budget-exponent",
    ),
    pytest.param(
        "budget_usd_dev: 5.0\n",
        "budget_usd_dev",
        "whole number written in digits",
        id="file-budget-float",
    ),
    pytest.param(
        "budget_usd_dev: yes\n",
        "budget_usd_dev",
        "whole number written in digits",
        id="file-budget-bool",
    ),
    pytest.param(
        "retention_days_dev: ~\n",
        "retention_days_dev",
        "whole number written in digits",
        id="file-retention-null",
    ),
    pytest.param(
        "python_version: 3.10\n", "python_version", "python_version", id="file-python-float"
    ),
    pytest.param(
        "project_name: yes\nfoo: 1\n", "foo", "unknown question 'foo'", id="file-unknown-key"
    ),
    pytest.param("descriptoin: x\n", "descriptoin", "did you mean 'description'", id="file-typo"),
    pytest.param(
        "project_name: [unclosed\n", "answers file", "is not valid YAML", id="file-invalid-yaml"
    ),
    pytest.param("- a\n- b\n", "answers file", "must hold a mapping", id="file-list"),
]


@pytest.mark.parametrize(("text", "question", "fragment"), BAD_FILES)
def test_bad_answers_file_is_refused_by_name(
    tmp_path: Path, fast_template: str, text: str, question: str, fragment: str
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(text, encoding="utf-8")
    dest = tmp_path / "project"
    result = _new(dest, fast_template, "--answers", str(answers))
    _assert_refused(result, dest, question, fragment)


def test_table_has_at_least_100_named_bad_inputs() -> None:
    assert len(BAD) + len(BAD_FILES) >= 100


# Unusual but fine: accepted, and carried into the project exactly as typed.
ACCEPTED = [
    pytest.param(
        {"description": "Rocket 🚀 launch; 日本語 and ${braces} %{too}"}, id="desc-emoji-unicode"
    ),
    pytest.param({"author_name": "Zoë Ünal 🚀"}, id="author-emoji"),
    pytest.param({"description": 'Quotes " and \\ backslash'}, id="desc-quotes-backslash"),
    pytest.param({"description": "yes"}, id="desc-yaml-bool-word"),
    pytest.param({"description": "0x10"}, id="desc-yaml-hex-word"),
    pytest.param({"description": "x" * 200, "author_name": "n" * 100}, id="longest-text"),
    pytest.param({"project_slug": "a" * 32, "package_name": "p" * 32}, id="longest-names"),
    pytest.param({"project_slug": "ab"}, id="short-slug"),
    pytest.param({"alert_emails": EMAILS_10}, id="alerts-10"),
    pytest.param({"repository": "data-team/ml/churn", "ci": "gitlab"}, id="repo-gitlab-nested"),
    pytest.param({"repository": "my-org/churn.model_v2"}, id="repo-github-dots"),
    pytest.param({"budget_usd_dev": "1", "budget_usd_prod": "1000000"}, id="budget-bounds"),
    pytest.param({"retention_days_dev": "1", "retention_days_prod": "3650"}, id="retention-bounds"),
]


@pytest.mark.parametrize("answers", ACCEPTED)
def test_unusual_answer_is_accepted_and_renders(
    tmp_path: Path, fast_template: str, answers: dict[str, str]
) -> None:
    dest = tmp_path / "project"
    given = {"project_name": "valid-name", **answers}
    assert try_render(fast_template, dest, given) is None
    typed = {k: (int(v) if k.startswith(("budget", "retention")) else v) for k, v in given.items()}
    check_rendered(dest, typed)


def test_answers_file_keeps_yaml_special_words_as_typed(tmp_path: Path, fast_template: str) -> None:
    """`yes` stays "yes" and `0x10` stays "0x10" (YAML 1.1 would make them True and 16)."""
    from dayone.answers import load_answers_file

    answers = tmp_path / "answers.yml"
    answers.write_text("project_name: valid-name\ndescription: yes\nauthor_name: 0x10\n")
    loaded = load_answers_file(answers)
    assert loaded == {"project_name": "valid-name", "description": "yes", "author_name": "0x10"}
    dest = tmp_path / "project"
    assert try_render(fast_template, dest, loaded) is None
    check_rendered(dest, loaded)
