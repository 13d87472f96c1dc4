"""What a Terraform plan would do, in a few lines: resources to add, change and destroy, from
`terraform show -json <planfile>`. Values are never shown (a plan can hold secrets): only
resource addresses and their actions, which is what an issue or a pull request may carry.

    python3 scripts/ci/plan_summary.py infra/envs/dev tfplan     # prints the summary
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Terraform's action lists, as the word a reader expects; a replace is an add and a destroy,
# as terraform counts it in "Plan: N to add, N to change, N to destroy".
_ACTION_WORDS = {
    ("create",): "add",
    ("update",): "change",
    ("delete",): "destroy",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
}


@dataclass(frozen=True)
class PlanSummary:
    add: int = 0
    change: int = 0
    destroy: int = 0
    # (action, address) for every resource the plan touches, in address order.
    resources: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def changes_nothing(self) -> bool:
        return not (self.add or self.change or self.destroy)

    def line(self) -> str:
        return f"{self.add} to add, {self.change} to change, {self.destroy} to destroy"

    def markdown(self, limit: int = 50) -> str:
        lines = [f"**{self.line()}**"]
        if self.resources:
            lines.append("")
            lines += [f"- `{address}`: {action}" for action, address in self.resources[:limit]]
            if len(self.resources) > limit:
                lines.append(f"- ... and {len(self.resources) - limit} more")
        return "\n".join(lines)


def summarize(plan: dict[str, Any]) -> PlanSummary:
    """The summary of a plan as `terraform show -json` prints it."""
    counts = {"add": 0, "change": 0, "destroy": 0}
    resources: list[tuple[str, str]] = []
    for change in plan.get("resource_changes", []):
        if change.get("mode") == "data":
            continue
        actions = tuple(change.get("change", {}).get("actions", []))
        word = _ACTION_WORDS.get(actions)
        if word is None:  # no-op, read
            continue
        if word == "replace":
            counts["add"] += 1
            counts["destroy"] += 1
        else:
            counts[word] += 1
        resources.append((word, str(change["address"])))
    return PlanSummary(
        add=counts["add"],
        change=counts["change"],
        destroy=counts["destroy"],
        resources=tuple(sorted(resources, key=lambda item: item[1])),
    )


def summarize_file(
    directory: Path, plan_file: str, env: dict[str, str] | None = None
) -> PlanSummary:
    """Summarize the saved plan `plan_file` of the Terraform root `directory`."""
    shown = subprocess.run(
        ["terraform", f"-chdir={directory}", "show", "-json", plan_file],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if shown.returncode != 0:
        raise RuntimeError(
            f"terraform show -json {plan_file} in {directory} failed: {shown.stderr.strip()}"
        )
    return summarize(json.loads(shown.stdout))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: plan_summary.py <terraform root> <plan file>", file=sys.stderr)
        return 2
    try:
        print(summarize_file(Path(args[0]), args[1]).markdown())
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
