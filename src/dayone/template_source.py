"""Where the dayone template lives when the user does not say, and what a project records.

Looked up in this order (docs/decisions/0004-packaged-template.md):

1. the repository dayone was installed from (PEP 610 `direct_url.json`): a git URL, or a
   local clone (`pip install -e .`, `uv tool install .`), rendered through git as usual;
2. the source checkout holding this very file;
3. the copy of the template inside the installed wheel (`dayone/_template`), for
   `uv tool install dayone`, `uvx dayone` and `pipx install dayone`.

A packaged copy is a plain directory, not a git repository, so copier records neither a
usable `_src_path` nor a `_commit` for it. After rendering from it, `record_release`
writes the release it came from instead: the template's git URL (DEFAULT_TEMPLATE_URL, or
DAYONE_TEMPLATE_URL for teams that fork the template) and the tag of this dayone version.
`dayone update` and `copier update` then work against that git source.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml

from dayone import __version__
from dayone.errors import DayoneError

TEMPLATE_MARKER = "copier.yml"
ANSWERS_FILE = ".copier-answers.yml"
# The one place naming where dayone's releases live. A fork changes this line, or its users
# set DAYONE_TEMPLATE_URL; either way projects record the fork, and updates come from it.
DEFAULT_TEMPLATE_URL = "https://github.com/dayone-ml/dayone.git"
TEMPLATE_URL_ENV_VAR = "DAYONE_TEMPLATE_URL"
PACKAGED_TEMPLATE = Path(__file__).resolve().with_name("_template")


def release_url(environ: Mapping[str, str] | None = None) -> str:
    """The git URL recorded for projects rendered from the packaged template."""
    env = os.environ if environ is None else environ
    return env.get(TEMPLATE_URL_ENV_VAR) or DEFAULT_TEMPLATE_URL


def release_tag() -> str:
    """The release tag this dayone was built from (docs/releasing.md: tags are vX.Y.Z)."""
    return f"v{__version__}"


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


def packaged_template() -> Path | None:
    """The template shipped inside the wheel, when this dayone was installed from one."""
    if (PACKAGED_TEMPLATE / TEMPLATE_MARKER).is_file():
        return PACKAGED_TEMPLATE
    return None


def default_template() -> str:
    """The template source to render when --template is not given."""
    installed = _installed_from()
    if installed and (installed.startswith("git+") or Path(installed, TEMPLATE_MARKER).is_file()):
        return installed
    checkout = _source_checkout()
    if checkout is not None:
        return str(checkout)
    packaged = packaged_template()
    if packaged is not None:
        return str(packaged)
    raise DayoneError(
        "cannot find the dayone template; pass --template with a path or git URL of it"
    )


def is_packaged(source: str) -> bool:
    packaged = packaged_template()
    return packaged is not None and Path(source).resolve() == packaged


def stamp_release(project: Path, url: str, tag: str) -> None:
    """Record `url` at `tag` as the project's template source in its answers file.

    Only `_src_path` and `_commit` change; comments and every answer stay as copier wrote
    them (keys are sorted, so the two sit first, before the answers).
    """
    answers_file = project / ANSWERS_FILE
    lines = answers_file.read_text(encoding="utf-8").splitlines(keepends=True)
    header = [line for line in lines if line.startswith("#")]
    body = [
        line
        for line in lines
        if not line.startswith(("#", "_commit:", "_src_path:")) and line.strip()
    ]
    stamp = yaml.safe_dump({"_commit": tag, "_src_path": url}, sort_keys=True)
    answers_file.write_text("".join([*header, stamp, *body]), encoding="utf-8")


def record_release(project: Path, source: str) -> None:
    """After rendering from the packaged template, record the release it came from."""
    if is_packaged(source):
        stamp_release(project, release_url(), release_tag())
