"""A stand-in of the GitHub and GitLab REST APIs on 127.0.0.1, for the generated projects'
CI automation (scripts/ci/forge.py): issues (list, create, edit, comment, close) and
pull/merge requests (list by branch, create, edit), kept in memory. Every request is recorded
(method, path with query, JSON body) so that tests assert what the scripts sent, and the
token each carried, so they assert the scripts authenticate as the CI documents.

GitHub's paths start /repos/<owner>/<name>/, GitLab's /api/v4/projects/<id>/.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query
    query: dict[str, str]
    body: Any
    token: str


@dataclass
class ForgeState:
    requests: list[Request] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # pull/merge requests
    comments: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def writes(self) -> list[Request]:
        return [r for r in self.requests if r.method != "GET"]


class _Handler(BaseHTTPRequestHandler):
    state: ForgeState
    base: str

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        token = self.headers.get("PRIVATE-TOKEN") or (
            self.headers.get("Authorization", "").removeprefix("Bearer ")
        )
        with self.state.lock:
            self.state.requests.append(Request(self.command, parsed.path, query, body, token))
            status, payload = self._route(parsed.path, query, body)
        self._reply(status, payload)

    do_GET = do_POST = do_PATCH = do_PUT = _handle

    # ---- the two dialects -------------------------------------------------------------

    def _route(self, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        github = re.fullmatch(r"/repos/[^/]+/[^/]+/(issues|pulls)(?:/(\d+))?(/comments)?", path)
        if github:
            return self._github(
                github.group(1), github.group(2), bool(github.group(3)), query, body
            )
        gitlab = re.fullmatch(
            r"/api/v4/projects/[^/]+/(issues|merge_requests)(?:/(\d+))?(/notes)?", path
        )
        if gitlab:
            return self._gitlab(
                gitlab.group(1), gitlab.group(2), bool(gitlab.group(3)), query, body
            )
        return 404, {"message": f"no route {path}"}

    def _github(
        self, kind: str, number: str | None, comment: bool, query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        items = self.state.issues if kind == "issues" else self.state.changes
        if number is None and self.command == "GET":
            found = [i for i in items if i["state"] == query.get("state", "open")]
            if "labels" in query:
                found = [i for i in found if query["labels"] in i["labels"]]
            if "head" in query:
                found = [i for i in found if i["head"] == query["head"].split(":", 1)[-1]]
            return 200, [self._github_view(i) for i in found]
        if number is None and self.command == "POST":
            item = {
                "number": len(self.state.issues) + len(self.state.changes) + 1,
                "title": body["title"],
                "body": body.get("body", ""),
                "state": "open",
                "labels": body.get("labels", []),
                "head": body.get("head"),
                "base": body.get("base"),
            }
            items.append(item)
            return 201, self._github_view(item)
        item = next((i for i in items if i["number"] == int(number or 0)), None)
        if item is None:
            return 404, {"message": "Not Found"}
        if comment and self.command == "POST":
            self.state.comments.append((item["number"], body["body"]))
            return 201, {"body": body["body"]}
        if self.command == "PATCH":
            item.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
            return 200, self._github_view(item)
        return 405, {"message": "not in the stand-in"}

    def _github_view(self, item: dict[str, Any]) -> dict[str, Any]:
        kind = "pull" if item.get("head") else "issues"
        return {
            "number": item["number"],
            "title": item["title"],
            "body": item["body"],
            "state": item["state"],
            "labels": [{"name": name} for name in item["labels"]],
            "html_url": f"{self.base}/{kind}/{item['number']}",
        }

    def _gitlab(
        self, kind: str, iid: str | None, note: bool, query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        items = self.state.issues if kind == "issues" else self.state.changes
        if iid is None and self.command == "GET":
            found = [i for i in items if i["state"] == query.get("state", "opened")]
            if "labels" in query:
                found = [i for i in found if query["labels"] in i["labels"]]
            if "source_branch" in query:
                found = [i for i in found if i["head"] == query["source_branch"]]
            return 200, [self._gitlab_view(i) for i in found]
        if iid is None and self.command == "POST":
            item = {
                "number": len(items) + 1,
                "title": body["title"],
                "body": body.get("description", ""),
                "state": "opened",
                "labels": [body["labels"]] if body.get("labels") else [],
                "head": body.get("source_branch"),
                "base": body.get("target_branch"),
            }
            items.append(item)
            return 201, self._gitlab_view(item)
        item = next((i for i in items if i["number"] == int(iid or 0)), None)
        if item is None:
            return 404, {"message": "404 Not found"}
        if note and self.command == "POST":
            self.state.comments.append((item["number"], body["body"]))
            return 201, {"body": body["body"]}
        if self.command == "PUT":
            if body.get("state_event") == "close":
                item["state"] = "closed"
            if "description" in body:
                item["body"] = body["description"]
            if "title" in body:
                item["title"] = body["title"]
            return 200, self._gitlab_view(item)
        return 405, {"message": "not in the stand-in"}

    def _gitlab_view(self, item: dict[str, Any]) -> dict[str, Any]:
        kind = "merge_requests" if item.get("head") else "issues"
        return {
            "iid": item["number"],
            "title": item["title"],
            "description": item["body"],
            "state": item["state"],
            "labels": item["labels"],
            "web_url": f"{self.base}/-/{kind}/{item['number']}",
        }


@contextmanager
def forge_api() -> Iterator[tuple[str, ForgeState]]:
    """(base URL, state) of a stand-in forge on 127.0.0.1; stopped when the block ends."""
    state = ForgeState()
    handler = type("Handler", (_Handler,), {"state": state, "base": "http://forge.example"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
