"""The offline stand-in for `terraform validate` of GCP Terraform.

No google provider binary is reachable here, so validate cannot run. This check parses every
.tf file under a project's infra/ with python-hcl2 and holds each `google_*` resource and
data source against the provider schema committed with dayone (tests/support/gcp_provider_schema.py, regenerated from cdktn-provider-google by scripts/update_gcp_schema.py):
argument and block names, required arguments and blocks, how many of a single block, and the
type of every literal value. Calls of local modules are held against the module's variables
the same way. Every `required_providers` entry for hashicorp/google must admit the schema's
provider release, so the schema checked here is the one CI's validate will load.

The modules' `terraform test` files (tests/*.tftest.hcl) cannot run here either (a mock
provider still needs the provider): their `variables` must name the module's variables,
`expect_failures` and every `google_*` address in an assertion must name something the
module declares, and mocked or overridden resource types must exist in the schema, so a
test left behind by a renamed resource or variable fails here rather than in CI.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dayone.checks.runner import CheckContext, CheckFailed, CheckSkipped, make
from dayone.errors import DayoneError
from dayone.terraform import GOOGLE_PROVIDER, find_mirror, holds_provider

PROVIDER_SOURCE = "hashicorp/google"
# Made from the provider schema PyPI ships (tests/support/gcp_provider_schema.py): the tests
# regenerate it and compare; scripts/update_gcp_schema.py rewrites it.
GCP_SCHEMA_FILE = Path(__file__).parent.parent / "data" / "google-provider-schema.json.gz"


def load_schema(path: Path = GCP_SCHEMA_FILE) -> dict[str, Any]:
    return dict(json.loads(gzip.decompress(path.read_bytes())))


# Arguments and blocks Terraform itself accepts in every resource, data source and module.
META_ARGUMENTS = {"count", "for_each", "depends_on", "provider", "providers", "lifecycle"}
META_BLOCKS = {"lifecycle", "provisioner", "connection", "dynamic"}
MODULE_META = {"source", "version", "count", "for_each", "depends_on", "providers"}


@dataclass(frozen=True)
class Problem:
    file: str
    address: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.address}: {self.message}"


def _unquote(name: str) -> str:
    return name[1:-1] if len(name) >= 2 and name[0] == name[-1] == '"' else name


def _is_block(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, dict) and item.get("__is_block__") for item in value
    )


def _is_expression(value: Any) -> bool:
    """A reference or function call: its type is only known to Terraform."""
    return isinstance(value, str) and value.startswith("${") and value.endswith("}")


def _literal_type_error(value: Any, expected: str) -> str | None:
    """Why a literal `value` cannot convert to `expected` (Terraform's conversions); None
    when it can or when the value is an expression."""
    if _is_expression(value) or expected == "any":
        return None
    is_string = isinstance(value, str)
    text = value[1:-1] if is_string and value.startswith('"') else value
    if expected.startswith("list("):
        if not isinstance(value, list):
            return f"needs a list ({expected}), got {_describe(value)}"
        element = expected[5:-1]
        return next(
            (e for e in (_literal_type_error(v, element) for v in value) if e is not None), None
        )
    if expected.startswith("map("):
        if not isinstance(value, dict):
            return f"needs a map ({expected}), got {_describe(value)}"
        element = expected[4:-1]
        items = (v for k, v in value.items() if not k.startswith("__"))
        return next(
            (e for e in (_literal_type_error(v, element) for v in items) if e is not None), None
        )
    if isinstance(value, list | dict):
        return f"needs a {expected}, got {_describe(value)}"
    if expected == "number" and (
        isinstance(value, bool) or (is_string and not _looks_numeric(str(text)))
    ):
        return f"needs a number, got {_describe(value)}"
    if expected == "bool":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"needs a bool, got {_describe(value)}"
        if is_string and text not in ("true", "false") and "${" not in str(text):
            return f"needs a bool, got {_describe(value)}"
    return None


def _looks_numeric(text: str) -> bool:
    return "${" in text or re.fullmatch(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", text) is not None


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the bool {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"the string {value}"


def _unknown(name: str, known: Iterable[str], kind: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unsupported {kind} {name!r}{hint}"


class _Checker:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.problems: list[Problem] = []

    def body(
        self, body: dict[str, Any], spec: dict[str, Any] | None, file: str, where: str, top: bool
    ) -> None:
        if spec is None:  # a recursive schema's inner block: left to Terraform
            return
        attributes, blocks = spec["attributes"], spec["blocks"]
        seen: set[str] = set()

        def problem(message: str) -> None:
            self.problems.append(Problem(file, where, message))

        for key, value in body.items():
            if key.startswith("__"):
                continue
            if key == "dynamic" and key not in blocks:  # at any depth, like a block
                for dynamic in value:
                    for label, inner in dynamic.items():
                        if label.startswith("__"):
                            continue
                        name = _unquote(label)
                        seen.add(name)
                        if name not in blocks:
                            problem(_unknown(name, blocks, "dynamic block"))
                            continue
                        for content in inner.get("content", []):
                            self.body(content, blocks[name][2], file, f"{where}.{name}", False)
                continue
            if top and key in META_ARGUMENTS | META_BLOCKS and key not in attributes | blocks:
                continue
            seen.add(key)
            if key in blocks:
                required, max_one, inner = blocks[key]
                if not _is_block(value):
                    problem(f"{key!r} is a block: write `{key} {{ ... }}`, not `{key} = ...`")
                    continue
                if max_one and len(value) > 1:
                    problem(f"at most one {key!r} block is allowed, found {len(value)}")
                for item in value:
                    self.body(item, inner, file, f"{where}.{key}", False)
            elif key in attributes:
                if _is_block(value):
                    problem(f"{key!r} is an argument: write `{key} = ...`, not a block")
                    continue
                error = _literal_type_error(value, attributes[key][0])
                if error:
                    problem(f"argument {key!r} {error}")
            else:
                kind = "block" if _is_block(value) else "argument"
                problem(_unknown(key, [*attributes, *blocks], kind))
        for name, (_type, required) in attributes.items():
            if required and name not in seen:
                problem(f"missing required argument {name!r}")
        for name, (required, _max_one, _inner) in blocks.items():
            if required and name not in seen:
                problem(f"missing required block {name!r}")

    def resources(self, parsed: dict[str, Any], file: str) -> int:
        count = 0
        for section, table, label in (
            ("resource", "resources", "resource"),
            ("data", "data_sources", "data source"),
        ):
            for entry in parsed.get(section, []):
                for raw_type, named in entry.items():
                    kind = _unquote(raw_type)
                    if not kind.startswith("google_"):
                        continue
                    for raw_name, body in named.items():
                        if raw_name.startswith("__"):
                            continue
                        prefix = "data." if section == "data" else ""
                        address = f"{prefix}{kind}.{_unquote(raw_name)}"
                        if _unquote(str(body.get("provider", ""))).startswith("${google-beta"):
                            continue  # the beta provider's schema is not the one pinned here
                        count += 1
                        spec = self.schema[table].get(kind)
                        if spec is None:
                            message = _unknown(kind, self.schema[table], f"{label} type")
                            self.problems.append(Problem(file, address, message))
                            continue
                        self.body(body, spec, file, address, True)
        return count


def _constraint_admits(constraint: str, version: str) -> bool:
    """Terraform's version constraint syntax (=, !=, >, >=, <, <=, ~>), comma-separated."""

    def parts(text: str) -> list[int]:
        return [int(p) for p in text.split(".")]

    wanted = parts(version)
    for clause in (c.strip() for c in constraint.split(",") if c.strip()):
        match = re.fullmatch(r"(=|!=|>=|<=|>|<|~>)?\s*v?([0-9]+(\.[0-9]+)*)", clause)
        if match is None:
            raise DayoneError(f"cannot read the version constraint {constraint!r}")
        op, bound = match.group(1) or "=", parts(match.group(2))
        padded = bound + [0] * (3 - len(bound))
        if op == "~>":
            # ~> 8.7 means >= 8.7, < 9.0; ~> 8.7.0 means >= 8.7.0, < 8.8.0.
            upper = bound[:-1]
            upper[-1] += 1
            ok = padded <= wanted and wanted < upper + [0] * (3 - len(upper))
        else:
            ok = {
                "=": wanted == padded,
                "!=": wanted != padded,
                ">": wanted > padded,
                ">=": wanted >= padded,
                "<": wanted < padded,
                "<=": wanted <= padded,
            }[op]
        if not ok:
            return False
    return True


def _provider_problems(parsed: dict[str, Any], file: str, version: str) -> list[Problem]:
    problems = []
    for terraform in parsed.get("terraform", []):
        for required in terraform.get("required_providers", []):
            for name, spec in required.items():
                if name.startswith("__") or not isinstance(spec, dict):
                    continue
                if _unquote(str(spec.get("source", ""))) != PROVIDER_SOURCE:
                    continue
                constraint = _unquote(str(spec.get("version", "")))
                if not constraint:
                    message = (
                        f"hashicorp/google has no version constraint (the schema is {version})"
                    )
                elif not _constraint_admits(constraint, version):
                    message = (
                        f"hashicorp/google {constraint!r} does not admit {version}, the release "
                        "the offline schema comes from"
                    )
                else:
                    continue
                problems.append(Problem(file, "required_providers", message))
    return problems


def _module_variables(module_dir: Path) -> dict[str, bool] | None:
    """A local module's variables and whether each is required; None if it is not local."""
    if not module_dir.is_dir():
        return None
    variables: dict[str, bool] = {}
    for path in sorted(module_dir.glob("*.tf")):
        for entry in _parse(path).get("variable", []):
            for name, body in entry.items():
                if not name.startswith("__"):
                    variables[_unquote(name)] = "default" not in body
    return variables


def _module_problems(parsed: dict[str, Any], path: Path, file: str) -> list[Problem]:
    problems = []
    for entry in parsed.get("module", []):
        for raw_name, body in entry.items():
            if raw_name.startswith("__"):
                continue
            source = _unquote(str(body.get("source", "")))
            if not source.startswith(("./", "../")):
                continue  # registry modules are not fetched offline
            variables = _module_variables((path.parent / source).resolve())
            address = f"module.{_unquote(raw_name)}"
            if variables is None:
                problems.append(Problem(file, address, f"module source {source!r} not found"))
                continue
            given = {k for k in body if not k.startswith("__")} - MODULE_META
            for name in sorted(given - variables.keys()):
                problems.append(Problem(file, address, _unknown(name, variables, "argument")))
            for name in sorted(n for n, required in variables.items() if required):
                if name not in given:
                    problems.append(Problem(file, address, f"missing required argument {name!r}"))
    return problems


# A google resource or data source address inside an expression: type and name.
_ADDRESS = re.compile(r"(?<![\w.])(data\.)?(google_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)")


def _module_addresses(module_dir: Path) -> set[str]:
    """`type.name` of every resource and `data.type.name` of every data source in a module."""
    addresses: set[str] = set()
    for path in sorted(module_dir.glob("*.tf")):
        parsed = _parse(path)
        for section, prefix in (("resource", ""), ("data", "data.")):
            for entry in parsed.get(section, []):
                for raw_type, named in entry.items():
                    for raw_name in named:
                        if not raw_name.startswith("__"):
                            addresses.add(f"{prefix}{_unquote(raw_type)}.{_unquote(raw_name)}")
    return addresses


def _blocks(parsed: dict[str, Any], key: str) -> Iterable[tuple[str, dict[str, Any]]]:
    """(label, body) of each labelled block `key "label" { ... }`."""
    for entry in parsed.get(key, []):
        for label, body in entry.items():
            if not label.startswith("__") and isinstance(body, dict):
                yield _unquote(label), body


def _tftest_problems(
    parsed: dict[str, Any], path: Path, file: str, schema: dict[str, Any]
) -> list[Problem]:
    """A module's test file against the module it tests (the folder above tests/)."""
    module_dir = path.parent.parent
    variables = _module_variables(module_dir) or {}
    addresses = _module_addresses(module_dir)
    if not any(a.removeprefix("data.").startswith("google_") for a in addresses):
        return []  # not a GCP module: its tests run here with the aws provider
    problems: list[Problem] = []

    def given_variables(blocks: list[dict[str, Any]], where: str) -> None:
        for block in blocks:
            for name in sorted(k for k in block if not k.startswith("__")):
                if name not in variables:
                    problems.append(Problem(file, where, _unknown(name, variables, "variable")))

    def referenced(text: str, where: str) -> None:
        for match in _ADDRESS.finditer(text):
            address = f"{match[1] or ''}{match[2]}.{match[3]}"
            if address not in addresses:
                message = _unknown(address, addresses, "reference")
                problems.append(Problem(file, where, f"{message}: not declared by the module"))

    given_variables(parsed.get("variables", []), "variables")
    for _label, provider in _blocks(parsed, "mock_provider"):
        for section, table in (("mock_resource", "resources"), ("mock_data", "data_sources")):
            for kind, _body in _blocks(provider, section):
                if kind not in schema[table]:
                    where = f"{section}.{kind}"
                    problems.append(Problem(file, where, _unknown(kind, schema[table], "type")))
    for name, run in _blocks(parsed, "run"):
        where = f"run.{name}"
        if run.get("module"):
            continue  # runs another module (an example): held against that one by its call
        given_variables(run.get("variables", []), where)
        for failure in run.get("expect_failures", []):
            target = str(failure).removeprefix("${").removesuffix("}")
            if target.startswith("var."):
                if target[4:] not in variables:
                    problems.append(
                        Problem(file, where, _unknown(target[4:], variables, "variable"))
                    )
            else:
                referenced(target, where)
        for assertion in run.get("assert", []):
            referenced(str(assertion.get("condition", "")), where)
        for override in run.get("override_resource", []) + parsed.get("override_resource", []):
            referenced(str(override.get("target", "")), where)
    return problems


def _parse(path: Path) -> dict[str, Any]:
    try:
        return _parse_text(path.read_text(encoding="utf-8"))
    except DayoneError as error:
        raise DayoneError(f"{path}: {error}") from None


@functools.lru_cache(maxsize=512)
def _parse_text(text: str) -> dict[str, Any]:
    """Parsed once per content: python-hcl2 is slow, and environments and module calls read
    the same files again (the result is never modified)."""
    import hcl2  # imported here: `dayone check` of a project without GCP never needs it
    from hcl2.utils import SerializationOptions

    try:
        return dict(
            hcl2.loads(text, serialization_options=SerializationOptions(with_comments=False))
        )
    except Exception as error:  # the parser raises lark's many exception types
        raise DayoneError(f"not valid HCL: {str(error).splitlines()[0]}") from None


@dataclass(frozen=True)
class Report:
    files: int
    checked: int
    problems: list[Problem]
    provider_version: str


def check_tree(root: Path, schema: dict[str, Any] | None = None) -> Report:
    """Every .tf file under `root` (except Terraform's own .terraform folders)."""
    schema = schema if schema is not None else load_schema()
    checker = _Checker(schema)
    version = str(schema["provider_version"])
    files = sorted(p for p in root.rglob("*.tf") if ".terraform" not in p.parts)
    tests = sorted(p for p in root.rglob("tests/*.tftest.hcl") if ".terraform" not in p.parts)
    checked = 0
    for path in tests:
        checker.problems += _tftest_problems(
            _parse(path), path, str(path.relative_to(root)), schema
        )
    for path in files:
        parsed = _parse(path)
        file = str(path.relative_to(root))
        checked += checker.resources(parsed, file)
        checker.problems += _provider_problems(parsed, file, version)
        checker.problems += _module_problems(parsed, path, file)
    return Report(len(files) + len(tests), checked, checker.problems, version)


# ---- the Terraform lane's GCP steps: the schema (offline) and validate/test (online) ----


def gcp_schema_check(context: CheckContext) -> str:
    """Every google_* resource and data source of infra/ against the pinned provider schema:
    what `terraform validate` would catch, offline (this module)."""
    report = check_tree(context.project / "infra")
    summary = (
        f"{report.checked} google resources and data sources in {report.files} files against "
        f"hashicorp/google {report.provider_version}"
    )
    if report.problems:
        raise CheckFailed("\n".join([*map(str, report.problems), summary]))
    if report.checked == 0:
        raise CheckFailed(f"no google_* resources found under infra/ ({summary})")
    return summary


def gcp_terraform_validate_and_test(context: CheckContext) -> str:
    """`make infra-validate` and `make infra-test` of a GCP project, where the google provider
    can be installed: from the user's own configuration (no mirror) or a mirror that holds
    it. Offline without it, skipped with the reason; the project's CI runs them online."""
    mirror = find_mirror(context.env)
    if mirror is not None and not holds_provider(mirror, GOOGLE_PROVIDER):
        raise CheckSkipped(
            f"the provider mirror {mirror} holds no {GOOGLE_PROVIDER}: terraform validate and "
            "test of the GCP Terraform run in the project's CI (online); the offline schema "
            "check stands in for validate here"
        )
    return "\n".join(
        make(target, terraform=True, in_copy=True)(context)
        for target in ("infra-validate", "infra-test")
    )
