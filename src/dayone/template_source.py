"""Where the dayone template lives when the user does not say.

By default that is the repository dayone was installed from (PEP 610 `direct_url.json`),
so an install from a clone renders offline and records a git source in
`.copier-answers.yml` that `copier update` can use later.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from dayone.errors import DayoneError

TEMPLATE_MARKER = "copier.yml"


def _installed_from() -> str | None:
    """The path or VCS URL pip recorded for the dayone distribution, if any."""
    try:
        raw = metadata.distribution("dayone").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not raw:
        return None
    info = json.loads(raw)
    url = str(info.get("url", ""))
    vcs = info.get("vcs_info")
    if vcs:
        # copier understands git URLs; the installed commit is handled by --vcs-ref.
        return url if url.startswith("git+") else f"git+{url}"
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return unquote(parsed.path)
    return None


def _source_checkout() -> Path | None:
    """The checkout containing this very file, when running from a source tree."""
    for parent in Path(__file__).resolve().parents:
        if (parent / TEMPLATE_MARKER).is_file() and (parent / "template").is_dir():
            return parent
    return None


def default_template() -> str:
    """The template source to render when --template is not given."""
    installed = _installed_from()
    if installed and (installed.startswith("git+") or Path(installed, TEMPLATE_MARKER).is_file()):
        return installed
    checkout = _source_checkout()
    if checkout is not None:
        return str(checkout)
    raise DayoneError(
        "cannot find the dayone template; pass --template with a path or git URL of it"
    )
