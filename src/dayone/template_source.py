"""Where the dayone template lives when the user does not say, and what a project records.

Looked up in this order (docs/decisions/0004-packaged-template.md):

1. the repository dayone was installed from (PEP 610 `direct_url.json`): a git URL, or a
   local clone (`pip install -e .`, `uv tool install .`), rendered through git as usual;
2. the source checkout holding this very file;
3. the copy of the template inside the installed wheel (`dayone/_template`), for
   `uv tool install dayone`, `uvx dayone` and `pipx install dayone`.

A packaged copy is a plain directory, not a git repository, and copier records a `_commit`
(and renders `infra/VERSION` from it) only for git templates. So the copy is committed into a
throwaway git repository tagged with this dayone's release tag, and rendered from there:
copier records the tag itself. `record_release` then replaces the throwaway path in
`_src_path` with the template's git URL (DEFAULT_TEMPLATE_URL, or DAYONE_TEMPLATE_URL for
teams that fork the template), so `dayone update` and `copier update` work against it later.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
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


# Throwaway release repositories made in this process, removed by record_release or at exit.
_RELEASE_REPOS: set[str] = set()


def release_repository(packaged: Path) -> Path:
    """A throwaway git repository holding `packaged` as one commit tagged release_tag()."""
    scratch = Path(tempfile.mkdtemp(prefix="dayone-release-"))
    atexit.register(shutil.rmtree, scratch, True)
    repo = scratch / "dayone-template"
    shutil.copytree(packaged, repo, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # A fixed identity and no signing or hooks: the user's git configuration has no say here.
    git = ["git", "-c", "user.name=dayone", "-c", "user.email=dayone@localhost"]
    git += ["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-c", "core.hooksPath="]
    for args in (
        ["init", "--quiet", "--initial-branch=main"],
        ["add", "--all"],
        ["commit", "--quiet", "--no-verify", "-m", f"dayone {__version__}"],
        ["tag", release_tag()],
    ):
        done = subprocess.run([*git, *args], cwd=repo, capture_output=True, text=True)
        if done.returncode != 0:
            raise DayoneError(f"cannot prepare the packaged template: git {args[0]} failed: "
                              f"{done.stderr.strip()}")  # fmt: skip
    _RELEASE_REPOS.add(str(repo))
    return repo


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
        return str(release_repository(packaged))
    raise DayoneError(
        "cannot find the dayone template; pass --template with a path or git URL of it"
    )


def stamp_release(project: Path, url: str, tag: str | None = None) -> None:
    """Record `url` (and `tag`, when given) as the project's template source.

    Only `_src_path` and `_commit` change; comments and every answer stay as copier wrote
    them (keys are sorted, so the two sit first, before the answers).
    """
    answers_file = project / ANSWERS_FILE
    lines = answers_file.read_text(encoding="utf-8").splitlines(keepends=True)
    if tag is None:
        recorded = yaml.safe_load("".join(lines)) or {}
        tag = str(recorded.get("_commit") or release_tag())
    header = [line for line in lines if line.startswith("#")]
    body = [
        line
        for line in lines
        if not line.startswith(("#", "_commit:", "_src_path:")) and line.strip()
    ]
    stamp = yaml.safe_dump({"_commit": tag, "_src_path": url}, sort_keys=True)
    answers_file.write_text("".join([*header, stamp, *body]), encoding="utf-8")


def record_release(project: Path, source: str) -> None:
    """After rendering from the packaged template, record the release's git URL (the tag
    copier already recorded) and remove the throwaway repository."""
    if source not in _RELEASE_REPOS:
        return
    _RELEASE_REPOS.discard(source)
    shutil.rmtree(Path(source).parent, ignore_errors=True)
    if (project / ANSWERS_FILE).is_file():
        stamp_release(project, release_url())
