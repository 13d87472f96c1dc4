"""The hashicorp/google provider schema, read from the jsii assembly a PyPI package ships.

There is no google provider binary here (`terraform providers schema` needs one), but the
prebuilt CDK bindings (`cdktn-provider-google`) carry every resource and data source of one
provider release in their jsii assembly: each argument's name (in its Terraform Registry doc
link), whether it is optional, and its type; each nested block as a struct. This module (test and
maintainer code, not in dayone's wheel) turns that assembly into the compact schema committed
with dayone (dayone.checks.gcp_schema.GCP_SCHEMA_FILE), so that `dayone check` validates GCP
Terraform offline without the 450 MB package installed; the test suite regenerates it from the
installed package and compares (tests/test_gcp_schema.py); scripts/update_gcp_schema.py writes it.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tarfile
from importlib import metadata
from pathlib import Path
from typing import Any

from dayone.checks.gcp_schema import GCP_SCHEMA_FILE, PROVIDER_SOURCE, load_schema
from dayone.errors import DayoneError

__all__ = ["GCP_SCHEMA_FILE", "PROVIDER_SOURCE", "encode", "installed_assembly", "load_schema"]

# The package, its release, and the provider release it was generated from: bump together
# (scripts/update_gcp_schema.py) and keep `required_providers` of the GCP Terraform in line.
SCHEMA_PACKAGE = "cdktn-provider-google"
SCHEMA_PACKAGE_VERSION = "21.1.0"

_DOC_LINK = re.compile(
    r"registry\.terraform\.io/providers/hashicorp/google/(?P<version>[0-9.]+)/docs/"
    r"(?P<kind>resources|data-sources)/(?P<name>[a-z0-9_]+)(#(?P<anchor>[a-z0-9_]+))?"
)
_PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool"}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _terraform_name(prop: dict[str, Any]) -> str:
    """The argument's Terraform name: the anchor of its Registry link (camelCase is lossy)."""
    match = _DOC_LINK.search(prop.get("docs", {}).get("remarks", ""))
    if match and match.group("anchor"):
        return match.group("anchor")
    return _snake(prop["name"])


class _Reader:
    def __init__(self, types: dict[str, Any]) -> None:
        self.types = types

    def _struct(self, type_ref: dict[str, Any]) -> tuple[str, bool] | None:
        """(fqn, is_list) when the type is a nested block, else None."""
        if "fqn" in type_ref and self.types.get(type_ref["fqn"], {}).get("datatype"):
            return type_ref["fqn"], False
        for option in type_ref.get("union", {}).get("types", []):
            element = option.get("collection", {}).get("elementtype", {})
            if "fqn" in element and self.types.get(element["fqn"], {}).get("datatype"):
                return element["fqn"], True
        return None

    @staticmethod
    def _value_type(type_ref: dict[str, Any]) -> str:
        if "primitive" in type_ref:
            return _PRIMITIVES.get(type_ref["primitive"], "any")
        if "collection" in type_ref:
            collection = type_ref["collection"]
            element = _Reader._value_type(collection["elementtype"])
            return f"{'map' if collection['kind'] == 'map' else 'list'}({element})"
        if "union" in type_ref:  # boolean | IResolvable: an expression may stand for it
            kinds = [_Reader._value_type(t) for t in type_ref["union"]["types"] if "fqn" not in t]
            return kinds[0] if len(kinds) == 1 else "any"
        return "any"

    def block(self, fqn: str, path: tuple[str, ...] = ()) -> dict[str, Any] | None:
        """{"attributes": {name: [type, required]}, "blocks": {name: [required, max_one, body]}};
        None for a block nested in itself (a few schemas are recursive): left unchecked."""
        if fqn in path:
            return None
        attributes: dict[str, list[Any]] = {}
        blocks: dict[str, list[Any]] = {}
        for prop in self.types[fqn].get("properties", []):
            name, required = _terraform_name(prop), not prop.get("optional", False)
            nested = self._struct(prop["type"])
            if nested is None:
                attributes[name] = [self._value_type(prop["type"]), required]
            else:
                nested_fqn, is_list = nested
                blocks[name] = [required, not is_list, self.block(nested_fqn, (*path, fqn))]
        return {"attributes": attributes, "blocks": blocks}


def schema_from_assembly(assembly: dict[str, Any]) -> dict[str, Any]:
    """The compact schema of every resource and data source in a provider's jsii assembly."""
    types = assembly["types"]
    reader = _Reader(types)
    found: dict[str, dict[str, Any]] = {"resources": {}, "data-sources": {}}
    version = None
    for spec in types.values():
        if spec.get("kind") != "class" or "initializer" not in spec:
            continue
        link = _DOC_LINK.search(spec["initializer"].get("docs", {}).get("summary", ""))
        config = [p for p in spec["initializer"].get("parameters", []) if p["name"] == "config"]
        if link is None or not config or "fqn" not in config[0]["type"]:
            continue  # the provider class itself, and helper classes
        version = version or link.group("version")
        body = reader.block(config[0]["type"]["fqn"])
        if body is not None:
            found[link.group("kind")]["google_" + link.group("name")] = body
    if version is None or not found["resources"]:
        raise DayoneError("the jsii assembly holds no google provider resources")
    return {
        "provider": PROVIDER_SOURCE,
        "provider_version": version,
        "package": f"{assembly['name']}@{assembly['version']}",
        "resources": dict(sorted(found["resources"].items())),
        "data_sources": dict(sorted(found["data-sources"].items())),
    }


def installed_assembly() -> dict[str, Any]:
    """The jsii assembly inside the installed schema package, read without importing it
    (an import would start the jsii runtime, which needs Node.js)."""
    try:
        distribution = metadata.distribution(SCHEMA_PACKAGE)
    except metadata.PackageNotFoundError:
        raise DayoneError(
            f"{SCHEMA_PACKAGE} is not installed (pip install '{SCHEMA_PACKAGE}=="
            f"{SCHEMA_PACKAGE_VERSION}')"
        ) from None
    if distribution.version != SCHEMA_PACKAGE_VERSION:
        raise DayoneError(
            f"{SCHEMA_PACKAGE} {distribution.version} is installed; the schema is pinned to "
            f"{SCHEMA_PACKAGE_VERSION}"
        )
    tarballs = [f for f in distribution.files or [] if str(f).endswith(".jsii.tgz")]
    if len(tarballs) != 1:
        raise DayoneError(f"{SCHEMA_PACKAGE} holds {len(tarballs)} jsii assemblies, not one")
    data = Path(str(distribution.locate_file(tarballs[0]))).read_bytes()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        member = archive.extractfile("package/.jsii")
        if member is None:
            raise DayoneError(f"{tarballs[0]} has no package/.jsii")
        return dict(json.load(member))


def encode(schema: dict[str, Any]) -> bytes:
    """Deterministic bytes (no gzip timestamp), so the committed file compares byte for byte."""
    text = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), mtime=0)
