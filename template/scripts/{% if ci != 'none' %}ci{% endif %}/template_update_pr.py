"""Template-update pull/merge request: when a newer dayone template release exists, update
the project on a branch and open (or update) ONE pull request (GitHub) or merge request
(GitLab) that shows what the update brings and what it does.

    python3 scripts/ci/template_update_pr.py [--base main] [--branch dayone/template-update]

Steps: find the newest release tag of the template (`_src_path` in .copier-answers.yml); if
it is newer than `_commit`, on the branch (from the base) run `dayone update --vcs-ref
<release>`, commit what it changed (conflict markers included: the request lists them),
run `make check` (without the job's tokens in its environment), plan every environment
whose plan identity is set (read-only, without the state lock), push the branch and open or
update the request with: the changelog entries between the two releases, the files changed,
the conflicts, the check's result and each environment's plan summary (adds, changes,
destroys).

An environment's plan identity: on AWS its plan role AWS_PLAN_ROLE_ARN_<ENV>, assumed with
the job's OIDC token (GitHub: requested by the script; GitLab: the job's AWS_ID_TOKEN); on
Google Cloud its provider GCP_WIF_PROVIDER_<ENV>, the job's token for that provider
(GitLab: GCP_ID_TOKEN_<ENV>; GitHub: requested by the script) and the plan account
GCP_PLAN_SERVICE_ACCOUNT_<ENV>. A token is written to a file only for the plans, after the
check.

Idempotent: when the branch already holds that release and its request is open, nothing is
run, pushed or written. Pushing uses the checkout's `origin` (GitHub: the job's token kept
by actions/checkout; GitLab: the job sets origin's URL with GITLAB_API_TOKEN).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from forge import Forge, ForgeError, Item, from_environment
from plan_summary import summarize_file
from template_release import (
    ReleaseError,
    answers_of,
    changelog_between,
    git_url,
    newest_release,
    release_tags,
    version_of,
)

PROJECT = Path(__file__).resolve().parents[2]
PLAN_FILE = "template-update.tfplan"
OUTPUT_LINES = 30


class Failed(Exception):
    """A step failed; the message says which."""


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise Failed(
            f"{shlex.join(command)} failed:\n{(done.stderr or done.stdout).strip()[-2000:]}"
        )
    return done


def git(project: Path, *args: str, check: bool = True) -> str:
    identity = {
        "GIT_AUTHOR_NAME": os.environ.get("GIT_AUTHOR_NAME", "dayone template update"),
        "GIT_AUTHOR_EMAIL": os.environ.get(
            "GIT_AUTHOR_EMAIL", "template-update@users.noreply.invalid"
        ),
    }
    identity["GIT_COMMITTER_NAME"] = os.environ.get(
        "GIT_COMMITTER_NAME", identity["GIT_AUTHOR_NAME"]
    )
    identity["GIT_COMMITTER_EMAIL"] = os.environ.get(
        "GIT_COMMITTER_EMAIL", identity["GIT_AUTHOR_EMAIL"]
    )
    return run(["git", *args], project, {**os.environ, **identity, **git_auth()}, check).stdout


def tail(text: str, lines: int = OUTPUT_LINES) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def branch_release(project: Path, remote: str, branch: str) -> str | None:
    """The template release the pushed update branch holds, if the branch exists."""
    if not git(project, "ls-remote", "--heads", remote, branch).strip():
        return None
    git(project, "fetch", "--quiet", remote, f"refs/heads/{branch}")
    answers = git(project, "show", "FETCH_HEAD:.copier-answers.yml", check=False)
    found = re.search(r"^_commit:\s*(\S+)\s*$", answers, re.MULTILINE)
    return found.group(1) if found else None


def conflicts_in(project: Path, paths: list[str]) -> list[str]:
    """Files the update left conflict markers in, and copier's *.rej files."""
    found = []
    for rel in paths:
        path = project / rel
        if rel.endswith(".rej"):
            found.append(rel)
        elif path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            if re.search(r"^<<<<<<< ", text, re.MULTILINE) and re.search(
                r"^>>>>>>> ", text, re.MULTILINE
            ):
                found.append(rel)
    return found


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    output: str


# What the job holds that the project's checks (the new release's code and its
# dependencies) never need: the forge's tokens and the clouds' identity tokens.
JOB_TOKENS = (
    "GITHUB_TOKEN",
    "GITLAB_API_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "AWS_ID_TOKEN",
)


def without_job_tokens(environ: dict[str, str]) -> dict[str, str]:
    return {
        key: value
        for key, value in environ.items()
        if key not in JOB_TOKENS and not key.startswith("GCP_ID_TOKEN")
    }


def run_check(project: Path, command: str) -> CheckResult:
    done = subprocess.run(
        command,
        shell=True,
        cwd=project,
        env=without_job_tokens(dict(os.environ)),
        capture_output=True,
        text=True,
        check=False,
    )
    return CheckResult(done.returncode == 0, tail(done.stdout + done.stderr))


def aws_web_identity(scratch: Path) -> dict[str, str]:
    """The job's OIDC token for AWS in a file, as the AWS SDK in Terraform reads it with
    AWS_ROLE_ARN: GitLab's AWS_ID_TOKEN (the job's id_tokens), else GitHub's."""
    token = os.environ.get("AWS_ID_TOKEN", "")
    if not token or os.environ.get("AWS_WEB_IDENTITY_TOKEN_FILE"):
        return github_web_identity(scratch)
    path = scratch / "aws-web-identity-token"
    path.write_text(token, encoding="utf-8")
    return {"AWS_WEB_IDENTITY_TOKEN_FILE": str(path), "AWS_ROLE_SESSION_NAME": "template-update"}


def gcp_plan_identity(name: str, scratch: Path) -> dict[str, str] | str:
    """Environment `name`'s plan account by Workload Identity Federation (the job's token for
    the provider GCP_WIF_PROVIDER_<ENV>: GitLab's GCP_ID_TOKEN_<ENV>, or GitHub's), as a
    credential configuration file Terraform's google provider reads; or why the environment is
    not planned."""
    upper = name.upper()
    provider = os.environ.get(f"GCP_WIF_PROVIDER_{upper}", "")
    account = os.environ.get(f"GCP_PLAN_SERVICE_ACCOUNT_{upper}", "")
    if not provider:
        return f"GCP_WIF_PROVIDER_{upper} is not set"
    # GitLab fills the token in (the job's id_tokens); on GitHub the script asks for it, with
    # the audience google-github-actions/auth would use for this provider.
    token = os.environ.get(f"GCP_ID_TOKEN_{upper}", "") or github_oidc_token(
        f"https://iam.googleapis.com/{provider}"
    )
    if not token or not account:
        return (
            f"this job has no ID token for GCP_WIF_PROVIDER_{upper} "
            f"or no GCP_PLAN_SERVICE_ACCOUNT_{upper}"
        )
    token_file = scratch / f"gcp-id-token-{name}"
    token_file.write_text(token, encoding="utf-8")
    credentials = scratch / f"gcp-credentials-{name}.json"
    impersonate = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
    config = {
        "type": "external_account",
        "audience": f"//iam.googleapis.com/{provider}",
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {"file": str(token_file)},
        "service_account_impersonation_url": f"{impersonate}{account}:generateAccessToken",
    }
    credentials.write_text(json.dumps(config), encoding="utf-8")
    return {
        "GOOGLE_APPLICATION_CREDENTIALS": str(credentials),
        "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE": str(credentials),
    }


def plan_identity(cloud: str, name: str, scratch: Path) -> dict[str, str] | str:
    """What makes Terraform environment `name`'s read-only plan identity, or why it is not planned."""
    if cloud == "gcp":
        return gcp_plan_identity(name, scratch)
    role = os.environ.get(f"AWS_PLAN_ROLE_ARN_{name.upper()}", "")
    if not role:
        return f"AWS_PLAN_ROLE_ARN_{name.upper()} is not set"
    return {**aws_web_identity(scratch), "AWS_ROLE_ARN": role}


def github_oidc_token(audience: str) -> str:
    """On GitHub Actions (permission id-token: write), the job's OIDC token for `audience`;
    elsewhere, or without the permission, ""."""
    url = os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL")
    request_token = os.environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    if not url or not request_token:
        return ""
    request = urllib.request.Request(f"{url}&audience={urllib.parse.quote(audience, safe='')}")
    request.add_header("Authorization", f"bearer {request_token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.loads(response.read())["value"])


def github_web_identity(scratch: Path) -> dict[str, str]:
    """On GitHub Actions, the job's OIDC token for AWS in a file, as the AWS SDK in Terraform
    reads it with AWS_ROLE_ARN; elsewhere nothing."""
    if os.environ.get("AWS_WEB_IDENTITY_TOKEN_FILE"):
        return {}
    token = github_oidc_token("sts.amazonaws.com")
    if not token:
        return {}
    path = scratch / "web-identity-token"
    path.write_text(token, encoding="utf-8")
    return {"AWS_WEB_IDENTITY_TOKEN_FILE": str(path), "AWS_ROLE_SESSION_NAME": "template-update"}


def git_auth() -> dict[str, str]:
    """git's settings to push over HTTPS with the forge token (as actions/checkout does),
    without writing it into the remote's URL or the repository's config."""
    if os.environ.get("GITHUB_TOKEN") and os.environ.get("GITHUB_SERVER_URL"):
        server, user, token = (
            os.environ["GITHUB_SERVER_URL"],
            "x-access-token",
            os.environ["GITHUB_TOKEN"],
        )
    elif os.environ.get("GITLAB_API_TOKEN") and os.environ.get("CI_SERVER_URL"):
        server, user, token = os.environ["CI_SERVER_URL"], "oauth2", os.environ["GITLAB_API_TOKEN"]
    else:
        return {}
    basic = base64.b64encode(f"{user}:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{server.rstrip('/')}/.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
    }


def plan_environments(project: Path, note: str) -> list[str]:
    """One line per environment: its plan's summary, or why it was not planned."""
    envs = project / "infra" / "envs"
    if not envs.is_dir():
        return ["No infrastructure in this project: nothing to plan."]
    if note:
        return [note]
    cloud = str(answers_of(project).get("cloud", "aws"))
    with tempfile.TemporaryDirectory() as scratch:
        return _plans(project, envs, cloud, Path(scratch))


def deploy_order(envs: Path) -> list[Path]:
    """The environments' folders in deploy order, the list each terraform.tfvars.json carries
    (a folder missing from it comes last, by name)."""
    folders = sorted(p for p in envs.iterdir() if p.is_dir())
    order: list[str] = []
    for folder in folders:
        tfvars = folder / "terraform.tfvars.json"
        if tfvars.is_file():
            order = list(json.loads(tfvars.read_text(encoding="utf-8")).get("environments", []))
            break
    return sorted(
        folders, key=lambda p: (order.index(p.name) if p.name in order else len(order), p.name)
    )


def _plans(project: Path, envs: Path, cloud: str, scratch: Path) -> list[str]:
    lines = []
    for directory in deploy_order(envs):
        name = directory.name
        identity = plan_identity(cloud, name, scratch)
        if isinstance(identity, str):
            lines.append(f"- `{name}`: not planned ({identity})")
            continue
        env = {**without_job_tokens(dict(os.environ)), **identity}
        init = run(
            ["terraform", f"-chdir={directory}", "init", "-input=false", "-no-color"],
            project,
            env,
            check=False,
        )
        planned = (
            init
            if init.returncode
            else run(
                [
                    "terraform",
                    f"-chdir={directory}",
                    "plan",
                    "-input=false",
                    "-lock=false",
                    "-no-color",
                    f"-out={PLAN_FILE}",
                ],
                project,
                env,
                check=False,
            )
        )
        if planned.returncode != 0:
            lines.append(
                f"- `{name}`: **plan failed**: `{tail(planned.stderr or planned.stdout, 3)}`"
            )
            continue
        try:
            lines.append(f"- `{name}`: {summarize_file(directory, PLAN_FILE, env).line()}")
        except RuntimeError as error:
            lines.append(f"- `{name}`: **plan unreadable**: {error}")
    return lines


def body_of(
    current: str, target: str, changelog: str, changed: list[str], conflicts: list[str],
    check: CheckResult, plans: list[str], check_command: str,
) -> str:  # fmt: skip
    files = "\n".join(f"- `{rel}`" for rel in changed) or "- (none)"
    clashes = (
        "\n".join(f"- `{rel}`" for rel in conflicts)
        + "\n\nResolve the `<<<<<<<` markers on this branch (or the `.rej` files), then commit."
        if conflicts
        else "None."
    )
    verdict = "passed" if check.passed else "**failed**"
    return "\n".join(
        [
            f"Updates the dayone template from `{current}` to `{target}` (`dayone update`).",
            "",
            f"## Changelog ({current} → {target})",
            "",
            changelog or "(The template's changelog has no entries for these releases.)",
            "",
            f"## Files changed ({len(changed)})",
            "",
            files,
            "",
            "## Conflicts",
            "",
            clashes,
            "",
            f"## `{check_command}`: {verdict}",
            "",
            "<details><summary>last lines of its output</summary>",
            "",
            "```",
            check.output,
            "```",
            "",
            "</details>",
            "",
            "## Plans (adds, changes, destroys)",
            "",
            *plans,
            "",
            "_Opened by the scheduled template-update job; it updates this request when a newer release comes out._",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="the branch the request targets")
    parser.add_argument("--branch", default="dayone/template-update", help="the update branch")
    parser.add_argument("--remote", default="origin", help="the git remote to push to")
    parser.add_argument(
        "--dayone",
        default="",
        help="how to run dayone (default: uvx --from <template source> dayone)",
    )
    parser.add_argument("--check-command", default="make check", help="the project's checks")
    parser.add_argument(
        "--plans-note",
        default="",
        help="say this instead of planning (when the job cannot plan, and why)",
    )
    args = parser.parse_args(argv)
    project = Path.cwd()
    try:
        forge = from_environment(dict(os.environ))
        answers = answers_of(project)
        current, source = answers["_commit"], answers["_src_path"]
        target = newest_release(release_tags(source))
        if target is None or version_of(target) <= version_of(current):
            print(f"Up to date: template {current} (newest release {target or 'none'})")
            return 0
        if branch_release(project, args.remote, args.branch) == target:
            found = forge.find_open_change(args.branch)
            if found is not None:
                print(f"{args.branch} already holds {target}; {found.url} is open: nothing to do")
                return 0
        git(project, "fetch", "--quiet", args.remote, f"refs/heads/{args.base}")
        started_on = git(project, "rev-parse", "--abbrev-ref", "HEAD").strip()
        git(project, "checkout", "--quiet", "-B", args.branch, "FETCH_HEAD")
        try:
            done, change = update_and_request(project, forge, args, current, source, target)
        finally:
            # Back where the run started (a local run leaves the work tree as it found it).
            git(project, "checkout", "--quiet", "--force", started_on, check=False)
        print(f"{done} {change.url}: template {current} -> {target}")
    except (Failed, ForgeError, ReleaseError) as error:
        print(f"template update: {error}", file=sys.stderr)
        return 1
    return 0


def update_and_request(
    project: Path, forge: Forge, args: argparse.Namespace, current: str, source: str, target: str
) -> tuple[str, Item]:
    """On the update branch: update, commit, check, plan, push, then open or update the request."""
    dayone = (
        shlex.split(args.dayone) if args.dayone else ["uvx", "--from", git_url(source), "dayone"]
    )
    updated = run([*dayone, "update", ".", "--vcs-ref", target], project, check=False)
    changed = sorted(
        line[3:].strip().strip('"')
        for line in git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    )
    conflicts = conflicts_in(project, changed)
    if updated.returncode != 0 and not conflicts:
        raise Failed(f"dayone update failed:\n{tail(updated.stdout + updated.stderr)}")
    git(project, "add", "--all")
    git(
        project, "commit", "--quiet", "--no-verify", "-m", f"Update the dayone template to {target}"
    )
    check = run_check(project, args.check_command)
    plans = plan_environments(project, args.plans_note)
    with tempfile.TemporaryDirectory() as scratch:
        changelog = changelog_between(source, current, target, Path(scratch))
    git(project, "push", "--quiet", "--force", args.remote, f"HEAD:refs/heads/{args.branch}")
    title = f"Update the dayone template to {target}"
    body = body_of(current, target, changelog, changed, conflicts, check, plans, args.check_command)
    return forge.upsert_change(args.branch, args.base, title, body)


if __name__ == "__main__":
    sys.exit(main())
