"""What is deployed where: a registered model whose aliases are the environments.

`promote RUN_ID --to staging` points the `staging` alias at the run's model version;
`rollback --env staging` points it back at the version it named before. Every move is
appended to a tag of the registered model (`alias.<env>.history`), so the alias's past is
kept and a rollback is itself recorded, never an edit of history.

Only runs whose code and data are recorded can be promoted: a clean git commit, and the
train/test sets stored with the run or in the environment's lake. A model nobody can
rebuild has no place behind an alias.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import RunError
from .tracking import MODEL_URI_TAG, RunSummary, Tracker

HISTORY_TAG = "alias.{alias}.history"
PROMOTE, ROLLBACK = "promote", "rollback"


@dataclass(frozen=True)
class Move:
    alias: str
    version: str
    previous: str | None
    run_id: str


def not_recorded(run: RunSummary) -> list[str]:
    """Why the run could not be rebuilt from what it recorded (empty: it can)."""
    reasons = []
    commit, dirty = run.tags.get("git.commit", "none"), run.tags.get("git.dirty")
    if commit in ("", "none"):
        reasons.append("its code is not recorded (no git commit)")
    elif dirty != "false":
        reasons.append(f"its code is not recorded (commit {commit[:7]} had uncommitted changes)")
    has_copy = run.tags.get("data.stored_copy") == "true"
    in_lake = bool(run.tags.get("data.train_uri") and run.tags.get("data.test_uri"))
    if not (has_copy or in_lake):
        reasons.append("its data is not recorded (no stored copy and no splits in the lake)")
    return reasons


def _history(tracker: Tracker, name: str, alias: str) -> list[tuple[str, str]]:
    tags = tracker.client.get_registered_model(name).tags
    text = tags.get(HISTORY_TAG.format(alias=alias), "")
    return [(item.split(":", 1)[0], item.split(":", 1)[-1]) for item in text.split(",") if item]


def _current_stack(history: list[tuple[str, str]]) -> list[str]:
    """Replay the moves: promotions push a version, rollbacks pop it."""
    stack: list[str] = []
    for action, version in history:
        if action == PROMOTE:
            stack.append(version)
        elif stack:
            stack.pop()
    return stack


def _record(tracker: Tracker, name: str, alias: str, history: list[tuple[str, str]]) -> None:
    text = ",".join(f"{action}:{version}" for action, version in history)
    tracker.client.set_registered_model_tag(name, HISTORY_TAG.format(alias=alias), text)


def _ensure_registered_model(tracker: Tracker, name: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        tracker.client.get_registered_model(name)
    except MlflowException:
        tracker.client.create_registered_model(name)


def model_version(tracker: Tracker, name: str, run: RunSummary) -> str:
    """The version of `name` holding the run's model, registered on first use."""
    _ensure_registered_model(tracker, name)
    found = tracker.client.search_model_versions(f"name='{name}' and run_id='{run.run_id}'")
    if found:
        return str(found[0].version)
    source = run.tags.get(MODEL_URI_TAG)
    if not source:
        raise RunError(f"run {run.run_id} has no logged model")
    version = tracker.client.create_model_version(name, source=source, run_id=run.run_id)
    return str(version.version)


def register_run(tracker: Tracker, name: str, run: RunSummary) -> str:
    """A new version of `name` for the run's model, behind no alias; refused like `promote`."""
    reasons = not_recorded(run)
    if reasons:
        raise RunError(f"run {run.run_id} was recorded but not registered: " + "; ".join(reasons))
    return model_version(tracker, name, run)


def promote(tracker: Tracker, name: str, run_id: str, alias: str) -> Move:
    run = tracker.run(run_id)
    reasons = not_recorded(run)
    if reasons:
        raise RunError(f"run {run_id} cannot be promoted: " + "; ".join(reasons))
    version = model_version(tracker, name, run)
    history = _history(tracker, name, alias)
    stack = _current_stack(history)
    previous = stack[-1] if stack else None
    if previous == version:
        raise RunError(f"{name}@{alias} already is version {version} (run {run_id})")
    tracker.client.set_registered_model_alias(name, alias, version)
    _record(tracker, name, alias, [*history, (PROMOTE, version)])
    return Move(alias, version, previous, run_id)


def rollback(tracker: Tracker, name: str, alias: str) -> Move:
    """Point `alias` back at the version it named before the latest promotion."""
    from mlflow.exceptions import MlflowException

    try:
        history = _history(tracker, name, alias)
    except MlflowException:
        raise RunError(f"no registered model {name!r}: promote a run first") from None
    stack = _current_stack(history)
    if len(stack) < 2:
        raise RunError(f"{name}@{alias} has no earlier version to roll back to")
    current, target = stack[-1], stack[-2]
    tracker.client.set_registered_model_alias(name, alias, target)
    _record(tracker, name, alias, [*history, (ROLLBACK, current)])
    run_id = str(tracker.client.get_model_version(name, target).run_id)
    return Move(alias, target, current, run_id)


def load_by_alias(tracker: Tracker, name: str, alias: str) -> tuple[Any, str, str]:
    """(model, version, run id) that `name@alias` points at."""
    from mlflow.exceptions import MlflowException

    try:
        version = tracker.client.get_model_version_by_alias(name, alias)
    except MlflowException:
        raise RunError(f"{name}@{alias} does not exist: promote a run to {alias} first") from None
    model = tracker.load_model_uri(f"models:/{name}@{alias}", f"{name}@{alias}")
    return model, str(version.version), str(version.run_id)
