"""Every free-text answer is validated: bad input gets the validator's message, a non-zero
exit, and no DEST directory left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.answer_checks import try_render
from tests.support.project import read_answers, render

BAD_ANSWERS = [
    pytest.param("project_name", "", "project_name must start with a letter", id="empty-name"),
    pytest.param(
        "project_name", "1st model", "project_name must start with a letter", id="name-digit"
    ),
    pytest.param(
        "project_name", "churn\n", "project_name must start with a letter", id="name-newline"
    ),
    pytest.param("project_name", "churn ", "must not end with a space", id="name-trailing-space"),
    pytest.param("project_name", 'a"b', "project_name must start with a letter", id="name-quote"),
    pytest.param(
        "project_slug", "Churn", "project_slug must start with a lower-case", id="slug-upper"
    ),
    pytest.param("project_slug", "churn model", "project_slug must start", id="slug-space"),
    pytest.param("project_slug", "1churn", "project_slug must start", id="slug-digit"),
    pytest.param("project_slug", "churn\n", "project_slug must start", id="slug-newline"),
    pytest.param(
        "project_slug", "churn--model", "project_slug must start", id="slug-double-hyphen"
    ),
    pytest.param("project_slug", "a" * 33, "at most 32 characters", id="slug-too-long"),
    pytest.param("package_name", "class", "must not be a Python keyword", id="pkg-keyword"),
    pytest.param("package_name", "import", "must not be a Python keyword", id="pkg-keyword-2"),
    pytest.param("package_name", "experiments", "must not be a Python keyword", id="pkg-shadows"),
    pytest.param("package_name", "Churn", "package_name must start", id="pkg-upper"),
    pytest.param("package_name", "9lives", "package_name must start", id="pkg-digit"),
    pytest.param("package_name", "churn\n", "package_name must start", id="pkg-newline"),
    pytest.param("package_name", "churn-model", "package_name must start", id="pkg-hyphen"),
    pytest.param("package_name", "p" * 33, "at most 32 characters", id="pkg-too-long"),
    pytest.param(
        "author_email", "not-an-email", "author_email must be an e-mail", id="email-plain"
    ),
    pytest.param("author_email", "a@b", "author_email must be an e-mail", id="email-no-tld"),
    pytest.param(
        "author_email", "a@example.com\n", "author_email must be an e-mail", id="email-newline"
    ),
    pytest.param(
        "author_email", "a b@example.com", "author_email must be an e-mail", id="email-space"
    ),
    pytest.param("author_name", "", "author_name must be a single", id="author-empty"),
    pytest.param("author_name", "   ", "author_name must not start or end", id="author-blank"),
    pytest.param("author_name", "a\nb", "author_name must be a single", id="author-newline"),
    pytest.param("description", "", "description must be a single line", id="desc-empty"),
    pytest.param("description", "one\ntwo", "description must be a single line", id="desc-newline"),
    pytest.param("repository", "just-a-name", "repository must be owner/name", id="repo-no-owner"),
    pytest.param("repository", "org/name\n", "repository must be owner/name", id="repo-newline"),
    pytest.param("python_version", "3.10", "3.10", id="python-not-a-choice"),
    pytest.param("cloud", "azure", "azure", id="cloud-not-a-choice"),
]


@pytest.mark.parametrize(("question", "value", "message"), BAD_ANSWERS)
def test_bad_answer_is_refused_and_nothing_is_written(
    tmp_path: Path, question: str, value: str, message: str
) -> None:
    dest = tmp_path / "project"
    result = render(
        dest, None, "--data", "project_name=valid-name", "--data", f"{question}={value}"
    )
    assert result.exit_code == 1
    assert message in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(error_lines) == 1, result.stderr
    assert error_lines[0].startswith("dayone: error:")
    assert not dest.exists()


def test_bad_answer_in_an_existing_empty_directory_leaves_it_empty(tmp_path: Path) -> None:
    dest = tmp_path / "project"
    dest.mkdir()
    result = render(dest, None, "--data", "project_slug=Bad Slug")
    assert result.exit_code == 1
    assert list(dest.iterdir()) == []


def test_folder_name_that_is_not_a_valid_project_name_is_refused(tmp_path: Path) -> None:
    dest = tmp_path / "9-lives"
    result = render(dest)
    assert result.exit_code == 1
    assert "project_name must start with a letter" in result.stderr
    assert not dest.exists()


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("project_name", "Churn Model 2"),
        ("project_slug", "churn-model-2"),
        ("package_name", "churn_model_2"),
        ("author_email", "first.last+ml@data.example.co.uk"),
        (
            "repository",
            "data-team/churn.model_v2",
        ),  # GitHub: owner/name; GitLab nesting: test_bad_answers
        ("description", 'Predicts churn; "quotes" and ${braces} are fine here'),
    ],
)
def test_valid_edge_answers_are_accepted(tmp_path: Path, question: str, value: str) -> None:
    """The validators are not so strict that real answers fail (render stops at validation
    errors only; a full render proves acceptance)."""
    dest = tmp_path / "edge-project"
    result = render(dest, None, "--data", f"{question}={value}", "--data", "cloud=none")
    assert result.exit_code == 0, result.stderr


# ---- owner, alert_emails, budgets and retention: their bounds, both sides -------------------

NUMBER_QUESTIONS = {
    **{f"budget_usd_{env}": (1, 1_000_000) for env in ("dev", "staging", "prod")},
    **{f"retention_days_{env}": (1, 3650) for env in ("dev", "staging", "prod")},
}


@pytest.mark.parametrize("bound", [0, 1], ids=["lowest", "highest"])
def test_number_questions_accept_their_bounds(
    tmp_path: Path, fast_template: str, bound: int
) -> None:
    answers = {"project_name": "valid-name", "cloud": "aws"}
    answers |= {name: str(limits[bound]) for name, limits in NUMBER_QUESTIONS.items()}
    assert try_render(fast_template, tmp_path / "p", answers) is None
    recorded = read_answers(tmp_path / "p")
    assert all(recorded[name] == limits[bound] for name, limits in NUMBER_QUESTIONS.items())


@pytest.mark.parametrize("question", sorted(NUMBER_QUESTIONS))
@pytest.mark.parametrize("side", ["below", "above"])
def test_number_questions_refuse_past_their_bounds(
    tmp_path: Path, fast_template: str, question: str, side: str
) -> None:
    low, high = NUMBER_QUESTIONS[question]
    value = str(low - 1 if side == "below" else high + 1)
    refusal = try_render(
        fast_template, tmp_path / "p", {"project_name": "valid-name", question: value}
    )
    assert refusal is not None
    assert f"{question} must be a whole number" in refusal
    assert f"from {low} to {high}" in refusal
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize(
    ("owner", "alert_emails"),
    [
        ("ml-team@example.com", "a@example.com"),
        ("Data team: ml/churn+ops=1", ", ".join(f"a{i}@example.com" for i in range(10))),
        ("o" * 256, "first.last+ml@data.example.co.uk,b@example.org"),
    ],
    ids=["email", "tag-punctuation-and-10-alerts", "longest-owner"],
)
def test_owner_and_alert_emails_accept(
    tmp_path: Path, fast_template: str, owner: str, alert_emails: str
) -> None:
    answers = {"project_name": "valid-name", "owner": owner, "alert_emails": alert_emails}
    assert try_render(fast_template, tmp_path / "p", answers) is None
    recorded = read_answers(tmp_path / "p")
    assert (recorded["owner"], recorded["alert_emails"]) == (owner, alert_emails)


@pytest.mark.parametrize(
    ("question", "value", "message"),
    [
        ("owner", "", "owner must be 1 to 256"),
        ("owner", "o" * 257, "owner must be 1 to 256"),
        ("owner", "team|ml", "owner must be 1 to 256"),
        ("owner", " team", "owner must be 1 to 256"),
        ("alert_emails", ",".join(f"a{i}@example.com" for i in range(11)), "at most 10"),
        ("alert_emails", "a@example.com,b@example.com,a@example.com", "must not repeat"),
        ("alert_emails", "a@example.com,,b@example.com", "alert_emails must be e-mail"),
        ("alert_emails", "a@example.com\nb@example.com", "alert_emails must be e-mail"),
    ],
)
def test_owner_and_alert_emails_refuse(
    tmp_path: Path, fast_template: str, question: str, value: str, message: str
) -> None:
    refusal = try_render(
        fast_template, tmp_path / "p", {"project_name": "valid-name", question: value}
    )
    assert refusal is not None
    assert f"question '{question}'" in refusal
    assert message in refusal
    assert not (tmp_path / "p").exists()


# ---- Google Cloud: project ids are <gcp_project_prefix>-<env>, 6 to 30 characters ----------

GCP_ANSWERS = {
    "project_name": "valid-name",
    "cloud": "gcp",
    "gcp_billing_account": "01A2B3-C4D5E6-F7A8B9",
}


@pytest.mark.parametrize(
    ("answers", "project_ids"),
    [
        ({}, ["valid-name-dev", "valid-name-staging", "valid-name-prod"]),
        # Shortest prefix: "ab-dev" is 6 characters; longest: "<22>-staging" is 30.
        ({"gcp_project_prefix": "ab"}, ["ab-dev", "ab-staging", "ab-prod"]),
        ({"gcp_project_prefix": "a" * 22}, [f"{'a' * 22}-{e}" for e in ("dev", "staging", "prod")]),
        ({"gcp_parent": "organizations/123456789012"}, None),
        ({"gcp_parent": "folders/1", "alert_emails": "a@x.io,b@x.io,c@x.io,d@x.io,e@x.io"}, None),
        ({"tracking": "vertex"}, None),
    ],
    ids=[
        "from-slug",
        "shortest-prefix",
        "longest-prefix",
        "organization",
        "folder-and-5-alerts",
        "vertex-tracking",
    ],
)
def test_gcp_answers_accepted(
    tmp_path: Path, fast_template: str, answers: dict[str, str], project_ids: list[str] | None
) -> None:
    import json
    import re

    assert try_render(fast_template, tmp_path / "p", GCP_ANSWERS | answers) is None
    recorded = read_answers(tmp_path / "p")
    assert {k: recorded[k] for k in answers} == answers
    for env in ("dev", "staging", "prod"):
        tfvars = json.loads(
            (tmp_path / "p" / "infra" / "envs" / env / "terraform.tfvars.json").read_text("utf-8")
        )
        project_id = f"{tfvars['project_prefix']}-{env}"
        # GCP's rule for project ids, checked here independently of copier.yml's wording.
        assert re.fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", project_id), project_id
        assert "google" not in project_id
        if project_ids is not None:
            assert project_id == project_ids[("dev", "staging", "prod").index(env)]
    # Questions of the other cloud are not asked, so not recorded.
    assert not {"aws_region", "aws_accounts", "owner", "dev_account_id"} & recorded.keys()


@pytest.mark.parametrize(
    ("question", "value", "message"),
    [
        ("gcp_project_prefix", "abc", None),  # accepted: "abc-dev" is 7 characters
        ("gcp_project_prefix", "a", "must be 2 to 22 characters"),
        ("gcp_project_prefix", "a" * 23, "must be 2 to 22 characters"),
        ("gcp_project_prefix", "a_b", "must start with a lower-case letter"),
        ("gcp_project_prefix", "ab\n", "must start with a lower-case letter"),
        ("gcp_billing_account", "01A2B3-C4D5E6", "gcp_billing_account must be"),
        ("gcp_parent", "organizations/", "gcp_parent must be"),
    ],
)
def test_gcp_validators(
    tmp_path: Path, fast_template: str, question: str, value: str, message: str | None
) -> None:
    refusal = try_render(fast_template, tmp_path / "p", GCP_ANSWERS | {question: value})
    if message is None:
        assert refusal is None
        return
    assert refusal is not None
    assert f"question '{question}'" in refusal and message in refusal
    assert not (tmp_path / "p").exists()


def test_gcp_example_of_the_docs_is_accepted(tmp_path: Path, fast_template: str) -> None:
    """docs/gcp.md's command line names a billing account id: it must pass the validator."""
    import re

    from tests.support.project import REPO_ROOT

    text = (REPO_ROOT / "docs" / "gcp.md").read_text(encoding="utf-8")
    examples = re.findall(r"--data gcp_billing_account=(\S+?)`", text)
    assert examples, "docs/gcp.md shows no --data gcp_billing_account=... example"
    for example in examples:
        answers = {"project_name": "valid-name", "cloud": "gcp", "gcp_billing_account": example}
        assert try_render(fast_template, tmp_path / example, answers) is None, example


def test_gcp_with_defaults_says_the_billing_account_is_needed() -> None:
    """`--defaults --data cloud=gcp` has no billing account: the one line says which answer
    is missing and how to give it, and the question's help and the quickstart say so too."""
    from tests.support.answer_grammar import _CONFIG
    from tests.support.project import REPO_ROOT

    with_defaults = render_refusal({"cloud": "gcp"})
    assert "cloud=gcp needs gcp_billing_account" in with_defaults
    assert "--data gcp_billing_account=" in with_defaults
    help_text = str(_CONFIG["gcp_billing_account"]["help"])
    assert help_text.startswith("Required for GCP, no default")
    quickstart = (REPO_ROOT / "docs" / "quickstart.md").read_text(encoding="utf-8")
    assert "--data cloud=gcp --data gcp_billing_account=" in quickstart


def render_refusal(data: dict[str, str]) -> str:
    """The one error line of `dayone new --defaults` with these answers (nothing written)."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        dest = Path(scratch) / "churn-gcp"
        args = [arg for key, value in data.items() for arg in ("--data", f"{key}={value}")]
        result = render(dest, None, *args)
        assert result.exit_code == 1
        assert not dest.exists()
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        return lines[0]
