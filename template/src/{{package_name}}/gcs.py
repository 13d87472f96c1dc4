"""Google Cloud Storage objects by gs:// URL: the data source and the artifact store of a
project on Google Cloud.

Two calls of the GCS JSON API over an authorised HTTP session, so no client library beyond
google-auth and requests is needed. Credentials come from Application Default Credentials
(a service account on Vertex AI, Workload Identity Federation in CI, `gcloud auth
application-default login` on a laptop). STORAGE_EMULATOR_HOST, the variable Google's own
clients honour, points it at a local emulator instead (the tests start one on 127.0.0.1),
with no credentials at all.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from .errors import DataError

GCS_ENDPOINT = "https://storage.googleapis.com"
EMULATOR_VAR = "STORAGE_EMULATOR_HOST"
SCOPE = "https://www.googleapis.com/auth/devstorage.read_write"
TIMEOUT_SECONDS = 60


def split_uri(uri: str) -> tuple[str, str]:
    """gs://bucket/path/to/object -> ("bucket", "path/to/object")."""
    bucket, _, name = uri.removeprefix("gs://").partition("/")
    if not uri.startswith("gs://") or not bucket or not name:
        raise DataError(f"{uri} must look like gs://bucket/object")
    return bucket, name


def _session() -> tuple[Any, str]:
    """An HTTP session and the endpoint it talks to."""
    import requests

    emulator = os.environ.get(EMULATOR_VAR)
    if emulator:
        endpoint = emulator if "://" in emulator else f"http://{emulator}"
        return requests.Session(), endpoint.rstrip("/")
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError
    from google.auth.transport.requests import AuthorizedSession

    try:
        credentials, _project = google.auth.default(scopes=[SCOPE])
    except DefaultCredentialsError as error:
        raise DataError(f"no Google Cloud credentials for gs:// ({error})") from None
    return AuthorizedSession(credentials), GCS_ENDPOINT


def read_object(uri: str) -> bytes:
    """The bytes of one object; a missing object or bucket is one clear DataError."""
    bucket, name = split_uri(uri)
    session, endpoint = _session()
    url = f"{endpoint}/storage/v1/b/{quote(bucket, safe='')}/o/{quote(name, safe='')}"
    response = session.get(url, params={"alt": "media"}, timeout=TIMEOUT_SECONDS)
    if response.status_code != 200:
        raise DataError(f"cannot read {uri}: HTTP {response.status_code}")
    content: bytes = response.content
    return content


def write_object(uri: str, data: bytes, content_type: str = "application/octet-stream") -> None:
    """Create or replace one object (versioned buckets keep the old version)."""
    bucket, name = split_uri(uri)
    session, endpoint = _session()
    response = session.post(
        f"{endpoint}/upload/storage/v1/b/{quote(bucket, safe='')}/o",
        params={"uploadType": "media", "name": name},
        data=data,
        headers={"Content-Type": content_type},
        timeout=TIMEOUT_SECONDS,
    )
    if response.status_code not in (200, 201):
        raise DataError(f"cannot write {uri}: HTTP {response.status_code}")


def list_objects(
    bucket: str, prefix: str, delimiter: str | None = "/"
) -> tuple[list[tuple[str, int]], list[str]]:
    """(name, size) of every object under `prefix`, and the sub-prefixes one `delimiter`
    deeper (none when `delimiter` is None: then every object below the prefix is listed)."""
    session, endpoint = _session()
    url = f"{endpoint}/storage/v1/b/{quote(bucket, safe='')}/o"
    objects: list[tuple[str, int]] = []
    prefixes: list[str] = []
    params: dict[str, str] = {"prefix": prefix}
    if delimiter:
        params["delimiter"] = delimiter
    while True:
        response = session.get(url, params=params, timeout=TIMEOUT_SECONDS)
        if response.status_code != 200:
            raise DataError(f"cannot list gs://{bucket}/{prefix}: HTTP {response.status_code}")
        page = response.json()
        objects += [(str(o["name"]), int(o.get("size", 0))) for o in page.get("items", [])]
        prefixes += [str(p) for p in page.get("prefixes", [])]
        if not page.get("nextPageToken"):
            return objects, prefixes
        params["pageToken"] = str(page["nextPageToken"])
