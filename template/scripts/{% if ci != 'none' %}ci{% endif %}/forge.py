"""The two REST calls CI automation needs, on GitHub or GitLab: one issue per title (open,
update, close) and one pull/merge request per branch (open, update). Standard library only.
Every write is skipped when it would change nothing, so a job that runs again with nothing
new sends no write at all.

Which forge, and its token, come from the CI's own variables:
  GitHub  GITHUB_REPOSITORY, GITHUB_API_URL (set by Actions) and GITHUB_TOKEN (the job's
          token, given to the step as an environment variable).
  GitLab  CI_PROJECT_ID, CI_API_V4_URL (set by GitLab CI) and GITLAB_API_TOKEN (a project
          access token, a masked CI/CD variable: the job token cannot write issues or
          merge requests).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any


class ForgeError(Exception):
    """A REST call failed or the CI variables are missing; the message says which."""


@dataclass(frozen=True)
class Item:
    """An issue or a pull/merge request: its number in the project, and what it says."""

    number: int
    title: str
    body: str
    url: str


class Forge:
    """The REST API of the project's forge; subclasses speak GitHub's or GitLab's dialect."""

    def __init__(self, api: str, token: str, auth_header: tuple[str, str]) -> None:
        self.api = api.rstrip("/")
        self.token = token
        self._auth = auth_header

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.api + path, data=data, method=method)
        request.add_header(*self._auth)
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", "project-ci-automation")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:300]
            raise ForgeError(f"{method} {path}: HTTP {error.code} {detail}") from None
        except urllib.error.URLError as error:
            raise ForgeError(f"{method} {path}: {error.reason}") from None
        return json.loads(text) if text else None

    # Issues -----------------------------------------------------------------------------

    def find_open_issue(self, title: str, label: str) -> Item | None:
        raise NotImplementedError

    def open_issue(self, title: str, body: str, label: str) -> Item:
        raise NotImplementedError

    def edit_issue(self, item: Item, body: str) -> None:
        raise NotImplementedError

    def close_issue(self, item: Item, comment: str) -> None:
        raise NotImplementedError

    def upsert_issue(self, title: str, body: str, label: str) -> tuple[str, Item]:
        """Open the issue `title`, or bring its body up to date; ("opened"|"updated"|"unchanged", issue)."""
        found = self.find_open_issue(title, label)
        if found is None:
            return "opened", self.open_issue(title, body, label)
        if found.body.strip() == body.strip():
            return "unchanged", found
        self.edit_issue(found, body)
        return "updated", found

    # Pull/merge requests ----------------------------------------------------------------

    def find_open_change(self, branch: str) -> Item | None:
        raise NotImplementedError

    def open_change(self, branch: str, base: str, title: str, body: str) -> Item:
        raise NotImplementedError

    def edit_change(self, item: Item, title: str, body: str) -> None:
        raise NotImplementedError

    def upsert_change(self, branch: str, base: str, title: str, body: str) -> tuple[str, Item]:
        """One open pull/merge request from `branch`; ("opened"|"updated"|"unchanged", it)."""
        found = self.find_open_change(branch)
        if found is None:
            return "opened", self.open_change(branch, base, title, body)
        if found.title == title and found.body.strip() == body.strip():
            return "unchanged", found
        self.edit_change(found, title, body)
        return "updated", found


class GitHub(Forge):
    def __init__(self, api: str, token: str, repository: str) -> None:
        super().__init__(api, token, ("Authorization", f"Bearer {token}"))
        self.repo = f"/repos/{repository}"
        self.owner = repository.split("/", 1)[0]

    @staticmethod
    def _item(found: dict[str, Any]) -> Item:
        return Item(
            int(found["number"]), found["title"], found.get("body") or "", found["html_url"]
        )

    def find_open_issue(self, title: str, label: str) -> Item | None:
        query = urllib.parse.urlencode({"state": "open", "labels": label, "per_page": 100})
        for found in self._call("GET", f"{self.repo}/issues?{query}"):
            # The issues list holds pull requests too.
            if found["title"] == title and "pull_request" not in found:
                return self._item(found)
        return None

    def open_issue(self, title: str, body: str, label: str) -> Item:
        return self._item(
            self._call(
                "POST", f"{self.repo}/issues", {"title": title, "body": body, "labels": [label]}
            )
        )

    def edit_issue(self, item: Item, body: str) -> None:
        self._call("PATCH", f"{self.repo}/issues/{item.number}", {"body": body})

    def close_issue(self, item: Item, comment: str) -> None:
        self._call("POST", f"{self.repo}/issues/{item.number}/comments", {"body": comment})
        self._call("PATCH", f"{self.repo}/issues/{item.number}", {"state": "closed"})

    def find_open_change(self, branch: str) -> Item | None:
        query = urllib.parse.urlencode({"state": "open", "head": f"{self.owner}:{branch}"})
        found = self._call("GET", f"{self.repo}/pulls?{query}")
        return self._item(found[0]) if found else None

    def open_change(self, branch: str, base: str, title: str, body: str) -> Item:
        return self._item(
            self._call(
                "POST",
                f"{self.repo}/pulls",
                {"title": title, "head": branch, "base": base, "body": body},
            )
        )

    def edit_change(self, item: Item, title: str, body: str) -> None:
        self._call("PATCH", f"{self.repo}/pulls/{item.number}", {"title": title, "body": body})


class GitLab(Forge):
    def __init__(self, api: str, token: str, project_id: str) -> None:
        super().__init__(api, token, ("PRIVATE-TOKEN", token))
        self.project = f"/projects/{urllib.parse.quote(project_id, safe='')}"

    @staticmethod
    def _item(found: dict[str, Any]) -> Item:
        return Item(
            int(found["iid"]), found["title"], found.get("description") or "", found["web_url"]
        )

    def find_open_issue(self, title: str, label: str) -> Item | None:
        query = urllib.parse.urlencode({"state": "opened", "labels": label, "per_page": 100})
        for found in self._call("GET", f"{self.project}/issues?{query}"):
            if found["title"] == title:
                return self._item(found)
        return None

    def open_issue(self, title: str, body: str, label: str) -> Item:
        return self._item(
            self._call(
                "POST",
                f"{self.project}/issues",
                {"title": title, "description": body, "labels": label},
            )
        )

    def edit_issue(self, item: Item, body: str) -> None:
        self._call("PUT", f"{self.project}/issues/{item.number}", {"description": body})

    def close_issue(self, item: Item, comment: str) -> None:
        self._call("POST", f"{self.project}/issues/{item.number}/notes", {"body": comment})
        self._call("PUT", f"{self.project}/issues/{item.number}", {"state_event": "close"})

    def find_open_change(self, branch: str) -> Item | None:
        query = urllib.parse.urlencode({"state": "opened", "source_branch": branch})
        found = self._call("GET", f"{self.project}/merge_requests?{query}")
        return self._item(found[0]) if found else None

    def open_change(self, branch: str, base: str, title: str, body: str) -> Item:
        return self._item(
            self._call(
                "POST",
                f"{self.project}/merge_requests",
                {
                    "source_branch": branch,
                    "target_branch": base,
                    "title": title,
                    "description": body,
                    "remove_source_branch": True,
                },
            )
        )

    def edit_change(self, item: Item, title: str, body: str) -> None:
        self._call(
            "PUT",
            f"{self.project}/merge_requests/{item.number}",
            {"title": title, "description": body},
        )


def from_environment(environ: dict[str, str] | None = None) -> Forge:
    """The forge this CI job runs on, from the CI's variables."""
    env = dict(os.environ if environ is None else environ)
    if env.get("GITHUB_REPOSITORY"):
        token = env.get("GITHUB_TOKEN", "")
        if not token:
            raise ForgeError(
                "GITHUB_TOKEN is not set: give the step `GITHUB_TOKEN: ${{ github.token }}`"
            )
        api = env.get("GITHUB_API_URL", "https://api.github.com")
        return GitHub(api, token, env["GITHUB_REPOSITORY"])
    if env.get("CI_PROJECT_ID"):
        token = env.get("GITLAB_API_TOKEN", "")
        if not token:
            raise ForgeError(
                "GITLAB_API_TOKEN is not set: add a project access token (role Developer, "
                "scope api) as a masked CI/CD variable of that name"
            )
        api = env.get("CI_API_V4_URL", "https://gitlab.com/api/v4")
        return GitLab(api, token, env["CI_PROJECT_ID"])
    raise ForgeError(
        "neither GITHUB_REPOSITORY (GitHub Actions) nor CI_PROJECT_ID (GitLab CI) is set"
    )
