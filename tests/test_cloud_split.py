"""Each cloud's code and dependencies ship only with that cloud (issue 21, item 3): an AWS
project carries no Google Cloud module, import or package, a GCP project none of AWS's, and a
project without a cloud neither (nor the lake and remote-training code that needs one).

Render only (with the lock `dayone new` makes): fast."""

from __future__ import annotations

import ast
import os
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dayone.cli import app
from tests.support.project import ANSWER_SETS_DIR

# answer set -> its cloud
CLOUDS = {"defaults": "aws", "gcp": "gcp", "cloud-none": "none"}
MODULES = {
    "aws": {"remote_slices.py", "s3.py", "sagemaker.py"},
    "gcp": {"gcs.py", "gcs_artifacts.py", "vertex.py", "vertex_slices.py"},
}
# Shared by the clouds, needing one: the lake and what every remote job shares.
WITH_A_CLOUD = {"lake.py", "remote.py"}
TESTS = {
    "aws": {"test_remote.py", "test_remote_slices.py"},
    "gcp": {"test_gcs.py", "test_vertex.py", "test_vertex_slices.py"},
}
# Import roots, project dependencies and locked packages that belong to one cloud.
IMPORTS = {
    "aws": {"aiobotocore", "boto3", "botocore", "dask_cloudprovider", "sagemaker", "moto"},
    "gcp": {"google", "gcp_storage_emulator"},
}
DEPENDENCIES = {
    "aws": {
        "boto3",
        "botocore",
        "dask-cloudprovider",
        "moto",
        "flask",
        "flask-cors",
        "sagemaker",
    },
    "gcp": {
        "google-auth",
        "google-cloud-storage",
        "google-cloud-aiplatform",
        "gcp-storage-emulator",
    },
}
# Never in another cloud's lock, also not indirectly. (google-auth is: mlflow-skinny needs
# databricks-sdk, which needs google-auth; the project itself must not ask for it.)
LOCKED = {
    "aws": {
        "aiobotocore",
        "boto3",
        "botocore",
        "dask-cloudprovider",
        "s3transfer",
        "moto",
        "sagemaker",
    },
    "gcp": {"google-cloud-storage", "google-cloud-aiplatform", "gcp-storage-emulator"},
}
WORDS = {"aws": re.compile(r"boto3|botocore|sagemaker", re.IGNORECASE)}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()


@pytest.fixture(scope="module")
def projects(fast_template: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    rendered = {}
    for name, cloud in CLOUDS.items():
        dest = tmp_path_factory.mktemp(f"split-{cloud}") / "project"
        args = ["new", str(dest), "--defaults", "--template", fast_template]
        args += ["--answers", str(ANSWER_SETS_DIR / f"{name}.yml")]
        result = CliRunner().invoke(app, args, catch_exceptions=False, env=dict(os.environ))
        assert result.exit_code == 0, result.output
        rendered[cloud] = dest
    return rendered


def _only_package(project: Path) -> str:
    (package,) = [p.name for p in (project / "src").iterdir() if p.is_dir()]
    return package


def _python_files(project: Path) -> list[Path]:
    return sorted([*(project / "src").rglob("*.py"), *(project / "tests").rglob("*.py")])


def _imported_roots(path: Path, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    roots = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def _others(cloud: str) -> list[str]:
    return [other for other in ("aws", "gcp") if other != cloud]


@pytest.mark.parametrize("cloud", CLOUDS.values())
def test_only_the_clouds_own_modules_and_tests(projects: dict[str, Path], cloud: str) -> None:
    project = projects[cloud]
    modules = {p.name for p in (project / "src" / _only_package(project)).glob("*.py")}
    tests = {p.name for p in (project / "tests").glob("*.py")}
    for other in _others(cloud):
        assert not modules & MODULES[other], f"{cloud} ships {other}'s modules"
        assert not tests & TESTS[other], f"{cloud} ships {other}'s tests"
    if cloud == "none":
        assert not modules & WITH_A_CLOUD
        assert "test_lake.py" not in tests
    else:
        assert modules >= MODULES[cloud] | WITH_A_CLOUD
        assert tests >= TESTS[cloud] | {"test_lake.py"}


@pytest.mark.parametrize("cloud", CLOUDS.values())
def test_no_other_clouds_imports_or_names(projects: dict[str, Path], cloud: str) -> None:
    project = projects[cloud]
    for path in _python_files(project):
        where = path.relative_to(project)
        for other in _others(cloud):
            assert not _imported_roots(path) & IMPORTS[other], f"{where} imports {other}'s SDK"
            if other in WORDS:
                assert not WORDS[other].search(path.read_text(encoding="utf-8")), where


@pytest.mark.parametrize("cloud", CLOUDS.values())
def test_shared_modules_import_no_cloud_sdk_at_module_level(
    projects: dict[str, Path], cloud: str
) -> None:
    project = projects[cloud]
    sdks = IMPORTS["aws"] | IMPORTS["gcp"]
    own = MODULES.get(cloud, set())
    for path in (project / "src" / _only_package(project)).glob("*.py"):
        if path.name not in own:
            assert not _imported_roots(path, top_level_only=True) & sdks, path.name


@pytest.mark.parametrize("cloud", CLOUDS.values())
def test_dependencies_and_lock_hold_no_other_cloud(projects: dict[str, Path], cloud: str) -> None:
    project = projects[cloud]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    groups = pyproject.get("dependency-groups", {})
    wanted = {_name(r) for r in pyproject["project"]["dependencies"]}
    wanted |= {_name(r) for group in groups.values() for r in group if isinstance(r, str)}
    extras = pyproject["project"].get("optional-dependencies", {})
    wanted |= {_name(r) for extra in extras.values() for r in extra}
    lock = tomllib.loads((project / "uv.lock").read_text(encoding="utf-8"))
    locked = {package["name"] for package in lock["package"]}
    (own,) = [p for p in lock["package"] if p["name"] == pyproject["project"]["name"]]
    asked = {d["name"] for d in own.get("dependencies", [])}
    asked |= {d["name"] for deps in own.get("dev-dependencies", {}).values() for d in deps}
    asked |= {d["name"] for deps in own.get("optional-dependencies", {}).values() for d in deps}
    for other in _others(cloud):
        assert not wanted & DEPENDENCIES[other], f"{cloud} depends on {other}'s packages"
        assert not asked & DEPENDENCIES[other], f"{cloud}'s lock asks for {other}'s packages"
        assert not locked & LOCKED[other], f"{cloud}'s lock holds {other}'s packages"
    if cloud != "none":
        assert wanted & DEPENDENCIES[cloud], f"{cloud} lost its own SDK"
