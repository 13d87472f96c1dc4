"""Write docs/questions.md from copier.yml, so the reference never drifts from the template.

    .venv/bin/python scripts/generate_questions_doc.py [--check]

With --check, exit 1 when docs/questions.md is not what this script would write.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "questions.md"


def _cell(value: Any) -> str:
    text = " ".join(str(value).split())
    return text.replace("|", "\\|")


def render(config: dict[str, Any]) -> str:
    lines = [
        "# Questions",
        "",
        "Generated from `copier.yml` by `scripts/generate_questions_doc.py`; do not edit.",
        "",
        "| Question | Type | Default | Asked when | Choices | Help |",
        "|---|---|---|---|---|---|",
    ]
    computed = []
    for name, spec in config.items():
        if name.startswith("_") or not isinstance(spec, dict):
            continue
        when = spec.get("when", "always")
        if when is False:
            computed.append(name)
            continue
        choices = spec.get("choices", "")
        if isinstance(choices, dict):
            choices = ", ".join(f"`{v}`" for v in choices.values())
        elif isinstance(choices, list):
            choices = ", ".join(f"`{v}`" for v in choices)
        default = spec.get("default", "(required)")
        lines.append(
            f"| `{name}` | {spec.get('type', 'str')} | `{_cell(default)}` | "
            f"{_cell(when)} | {choices} | {_cell(spec.get('help', ''))} |"
        )
    lines += [
        "",
        "Computed (never asked, never recorded): " + ", ".join(f"`{c}`" for c in computed),
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = render(yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8")))
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run scripts/generate_questions_doc.py")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
