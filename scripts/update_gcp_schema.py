#!/usr/bin/env python3
"""Regenerate dayone's committed GCP provider schema from the installed schema package.

    .venv/bin/python scripts/update_gcp_schema.py

Bump SCHEMA_PACKAGE_VERSION in tests/support/gcp_provider_schema.py and the pin in pyproject.toml
together, run this, then move `required_providers` of the GCP Terraform to the provider
release it prints (tests/test_gcp_schema.py checks that they agree).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support, not in the wheel

from tests.support.gcp_provider_schema import (
    GCP_SCHEMA_FILE,
    encode,
    installed_assembly,
    schema_from_assembly,
)


def main() -> None:
    schema = schema_from_assembly(installed_assembly())
    GCP_SCHEMA_FILE.write_bytes(encode(schema))
    print(
        f"{GCP_SCHEMA_FILE.name}: hashicorp/google {schema['provider_version']}, "
        f"{len(schema['resources'])} resources, {len(schema['data_sources'])} data sources"
    )


if __name__ == "__main__":
    main()
