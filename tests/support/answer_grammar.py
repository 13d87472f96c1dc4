"""Hypothesis strategies that draw answers from the validators' own grammar (copier.yml), and
wild values around it: unicode, the shortest and longest allowed lengths and one past them,
YAML-special words, and names the template reserves."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import strategies as st

from tests.support.project import REPO_ROOT

_CONFIG = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
RESERVED_SLUGS = str(_CONFIG["reserved_project_slugs"]["default"]).split()
RESERVED_PACKAGES = str(_CONFIG["reserved_package_names"]["default"]).split()
QUESTIONS = [k for k, v in _CONFIG.items() if not k.startswith("_") and v.get("when") is not False]


# The questions answered by picking from a list: their values are the template's own words.
CHOICE_QUESTIONS = frozenset(k for k in QUESTIONS if "choices" in _CONFIG[k])


def _choices(name: str) -> list[str]:
    choices = _CONFIG[name]["choices"]
    return [str(v) for v in (choices.values() if isinstance(choices, dict) else choices)]


YAML_SPECIAL = [
    "yes", "no", "on", "off", "true", "False", "~", "null", "0x10", "0o17", "1e3", "1_000",
    ".inf", "3.10", "2024-01-01", "[a]", "{a: b}", "- a", "#x", "&a", "*a", "!tag", "'q'",
    '"q"', "%YAML", "@x", "`x`", "? x", ": x", "|", "0", "<<", "=",
]  # fmt: skip

# Text as people type it: any printable unicode (emoji and other scripts included).
printable = st.characters(categories=["L", "M", "N", "P", "S", "Zs"])


def free_text(max_len: int) -> st.SearchStrategy[str]:
    """One line of up to `max_len` printable characters, with no surrounding spaces."""
    return st.text(printable, min_size=1, max_size=max_len).map(str.strip).filter(bool)


def wild_text(max_len: int) -> st.SearchStrategy[str]:
    return st.one_of(
        free_text(max_len),
        st.text(st.characters(codec="utf-8"), max_size=max_len + 3),
        st.sampled_from(YAML_SPECIAL),
        st.sampled_from(["", " ", "x" * max_len, "x" * (max_len + 1), "🚀" * max_len, "a ", " a"]),
    )


project_names = st.from_regex(r"\A[A-Za-z][A-Za-z0-9_-]{0,20}( [A-Za-z0-9_-]{1,10}){0,2}\Z")
slugs = st.from_regex(r"\A[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,6}){0,3}\Z").filter(lambda s: len(s) <= 32)
packages = st.from_regex(r"\A[a-z][a-z0-9_]{0,31}\Z")
emails = st.from_regex(
    r"\A[A-Za-z0-9._+-]{1,12}@[A-Za-z0-9-]{1,10}(\.[A-Za-z0-9-]{1,6}){0,2}\.[A-Za-z]{2,6}\Z"
)
account_ids = st.from_regex(r"\A[0-9]{12}\Z")
# GCP project ids are <prefix>-<env>: 6 to 30 characters at every environment suffix.
gcp_prefixes = st.from_regex(r"\A[a-z][a-z0-9-]{0,20}[a-z0-9]\Z").filter(
    lambda p: not any(word in p for word in ("google", "ssl", "undefined", "null"))
)
billing_accounts = st.from_regex(r"\A[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}\Z")
gcp_parents = st.one_of(st.just(""), st.from_regex(r"\A(organizations|folders)/[0-9]{1,20}\Z"))
owners = st.from_regex(r"\A[A-Za-z0-9_.:/=+@-]([A-Za-z0-9 _.:/=+@-]{0,30}[A-Za-z0-9_.:/=+@-])?\Z")
github_repositories = st.from_regex(
    r"\A[A-Za-z0-9](-?[A-Za-z0-9]){0,10}/[A-Za-z0-9_-][A-Za-z0-9._-]{0,15}\Z"
).filter(lambda r: not r.endswith(".git"))
gitlab_repositories = st.from_regex(
    r"\A[A-Za-z0-9]([A-Za-z0-9_.-]{0,8}[A-Za-z0-9])?(/[A-Za-z0-9]([A-Za-z0-9_.-]{0,8}[A-Za-z0-9])?){1,3}\Z"
).filter(lambda r: not r.endswith((".git", ".atom")))


def alert_lists(most: int) -> st.SearchStrategy[str]:
    """1 to `most` distinct addresses, comma-separated (with or without a space)."""
    return st.tuples(
        st.lists(emails, min_size=1, max_size=most, unique_by=str.lower),
        st.sampled_from([",", ", "]),
    ).map(lambda t: t[1].join(t[0]))


def whole_numbers(low: int, high: int) -> st.SearchStrategy[str]:
    return st.one_of(st.integers(low, high), st.sampled_from([low, high])).map(str)


@st.composite
def grammar_answers(draw: st.DrawFn, *, reserved: bool = True) -> dict[str, str]:
    """A full answer set drawn from the validators' grammar (with `reserved`, the names the
    template reserves are drawn too, so some sets are refused)."""
    answers: dict[str, str] = {"project_name": draw(project_names)}
    slug_pool = st.one_of(slugs, st.sampled_from(RESERVED_SLUGS)) if reserved else slugs
    package_pool = st.one_of(packages, st.sampled_from(RESERVED_PACKAGES)) if reserved else packages
    answers["project_slug"] = draw(
        st.one_of(slug_pool, st.sampled_from(["a" * 32, "ab", "a-" * 15 + "zz"]))
    )
    answers["package_name"] = draw(
        st.one_of(package_pool, st.sampled_from(["p" * 32, "pkg_" + "9" * 28]))
    )
    if not reserved:
        answers["project_slug"] = draw(slugs.filter(lambda s: s not in RESERVED_SLUGS))
        answers["package_name"] = draw(packages.filter(lambda p: p not in RESERVED_PACKAGES))
    answers["description"] = draw(free_text(200))
    answers["author_name"] = draw(
        free_text(100).filter(
            lambda n: "<" not in n and ">" not in n and any(c.isalnum() for c in n)
        )
    )
    answers["author_email"] = draw(emails)
    answers["python_version"] = draw(st.sampled_from(_choices("python_version")))
    answers["license"] = draw(st.sampled_from(_choices("license")))
    answers["cloud"] = draw(st.sampled_from(_choices("cloud")))
    if answers["cloud"] == "aws":
        answers["aws_region"] = draw(st.sampled_from(_choices("aws_region")))
        answers["aws_accounts"] = draw(st.sampled_from(_choices("aws_accounts")))
        if answers["aws_accounts"] == "per-environment":
            answers["dev_account_id"] = draw(account_ids)
        answers["owner"] = draw(owners)
        answers["alert_emails"] = draw(alert_lists(10))
        for env in ("dev", "staging", "prod"):
            answers[f"budget_usd_{env}"] = draw(whole_numbers(1, 1_000_000))
            answers[f"retention_days_{env}"] = draw(whole_numbers(1, 3650))
    if answers["cloud"] == "gcp":
        # The prefix defaults to the slug, which may be too long for a project id: pass one.
        answers["gcp_project_prefix"] = draw(gcp_prefixes)
        answers["gcp_region"] = draw(st.sampled_from(_choices("gcp_region")))
        answers["gcp_billing_account"] = draw(billing_accounts)
        answers["gcp_parent"] = draw(gcp_parents)
        answers["alert_emails"] = draw(alert_lists(5))
        for env in ("dev", "staging", "prod"):
            answers[f"budget_usd_{env}"] = draw(whole_numbers(1, 1_000_000))
            answers[f"retention_days_{env}"] = draw(whole_numbers(1, 3650))
    answers["ci"] = draw(st.sampled_from(_choices("ci")))
    if answers["ci"] == "github":
        answers["repository"] = draw(github_repositories)
    elif answers["ci"] == "gitlab":
        answers["repository"] = draw(gitlab_repositories)
    return answers


# For one question at a time: values in, around and far outside its grammar.
WILD: dict[str, st.SearchStrategy[Any]] = {
    "project_name": st.one_of(project_names, wild_text(64)),
    "project_slug": st.one_of(slugs, st.sampled_from(RESERVED_SLUGS), wild_text(33)),
    "package_name": st.one_of(packages, st.sampled_from(RESERVED_PACKAGES), wild_text(33)),
    "description": wild_text(200),
    "author_name": wild_text(100),
    "author_email": st.one_of(emails, wild_text(60)),
    "python_version": st.sampled_from([*_choices("python_version"), "3.10", "3.1", "3", ""]),
    "license": st.sampled_from([*_choices("license"), "GPL", "mit"]),
    "cloud": st.sampled_from([*_choices("cloud"), "azure", "AWS", "GCP"]),
    "gcp_project_prefix": st.one_of(gcp_prefixes, wild_text(24), st.sampled_from(["a", "a" * 23])),
    "gcp_billing_account": st.one_of(
        billing_accounts, billing_accounts.map(str.lower), wild_text(21)
    ),
    "gcp_parent": st.one_of(gcp_parents, wild_text(30), st.just("projects/1")),
    "gcp_region": st.sampled_from([*_choices("gcp_region"), "europe-west9", "EU", ""]),
    "aws_region": st.sampled_from([*_choices("aws_region"), "mars-1", ""]),
    "aws_accounts": st.sampled_from([*_choices("aws_accounts"), "multi", "Single"]),
    "dev_account_id": st.one_of(
        account_ids, st.from_regex(r"\A[0-9]{11,13}\Z"), wild_text(12), st.just("1e11")
    ),
    "owner": st.one_of(owners, wild_text(257)),
    "alert_emails": st.one_of(alert_lists(12), wild_text(60), emails.map(lambda e: f"{e},{e}")),
    "budget_usd_dev": st.one_of(
        whole_numbers(-2, 1_000_002), st.sampled_from(YAML_SPECIAL), wild_text(8)
    ),
    "retention_days_prod": st.one_of(
        whole_numbers(-2, 3652), st.sampled_from(YAML_SPECIAL), wild_text(8)
    ),
    "ci": st.sampled_from([*_choices("ci"), "bitbucket", "GitHub"]),
    "repository": st.one_of(github_repositories, gitlab_repositories, wild_text(40)),
}

# A refusal of a derived value names the answer it came from, or the derived question.
DERIVED = {
    "project_name": ("project_slug", "package_name"),
    "project_slug": ("package_name", "repository", "gcp_project_prefix"),
    "author_email": ("owner", "alert_emails"),
    "ci": ("repository",),
    # per-environment accounts ask for the dev account's ID, which has no default: drawn alone,
    # that answer is refused by the question it makes necessary.
    "aws_accounts": ("dev_account_id",),
}

BASE = {"project_name": "Churn Model", "cloud": "aws", "ci": "github"}
# What a question needs around it to be asked at all (copier skips it otherwise).
_GCP = {"cloud": "gcp", "gcp_billing_account": "01A2B3-C4D5E6-F7A8B9"}
CONTEXT: dict[str, dict[str, str]] = {
    "dev_account_id": {"aws_accounts": "per-environment"},
    **{q: _GCP for q in ("gcp_project_prefix", "gcp_billing_account", "gcp_parent", "gcp_region")},
}
