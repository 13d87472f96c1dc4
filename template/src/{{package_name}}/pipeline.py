"""One iteration end to end: ingest, preprocess, train, evaluate, track; and its replay.

Nothing is written to the tracking store until every stage has succeeded, so a bad
configuration or unreadable data never leaves a run behind.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import provenance
from .backend import Backend, open_tracker
from .config import RunConfig, recorded_settings
from .errors import RunError
from .evaluate import evaluate
from .ingest import load_dataset
from .preprocess import Split, content_hash, split, to_csv_bytes, validate
from .slices import SliceResult, train_slices
from .tracking import CONFIG_ARTIFACT, TEST_ARTIFACT, TRAIN_ARTIFACT
from .train import fit


@dataclass(frozen=True)
class Outcome:
    model: Any
    metrics: dict[str, float]
    slices: list[SliceResult] = field(default_factory=list)

    def all_metrics(self) -> dict[str, float]:
        """Test metrics, plus `slice.<value>.<metric>` for every slice."""
        merged = dict(self.metrics)
        for result in self.slices:
            key = _artifact_key(result.key)
            merged.update({f"slice.{key}.{k}": v for k, v in result.metrics.items()})
        return merged


# Where each run with slices keeps their artifacts (tags, so that `runs` and the MLflow run
# page say where to look); `<slice>` stands for each slice's value.
SLICE_ARTIFACT_TAGS = {
    "slices.models": "slices/<slice>/model.skops",
    "slices.shap_tables": "slices/<slice>/shap.csv",
    "slices.shap_plot": "slices/shap_summary.png",
    "slices.summary": "slices/summary.csv",
}


def slice_artifacts(results: list[SliceResult]) -> dict[str, bytes]:
    """Per slice its model and its mean |SHAP| table; across slices the summary table and
    the SHAP summary plot. Paths follow SLICE_ARTIFACT_TAGS."""
    import skops.io

    from .explain import summary_plot

    artifacts: dict[str, bytes] = {}
    for result in results:
        key = _artifact_key(result.key)
        artifacts[f"slices/{key}/model.skops"] = skops.io.dumps(result.model)
        artifacts[f"slices/{key}/shap.csv"] = to_csv_bytes(result.shap_table())
    table = pd.DataFrame([r.summary() for r in results]).drop(columns=["importance", "shap"])
    artifacts["slices/summary.csv"] = to_csv_bytes(table)
    explainers = ", ".join(sorted({r.explainer for r in results}))
    artifacts["slices/shap_summary.png"] = summary_plot(
        {r.key: r.shap for r in results}, explainers
    )
    return artifacts


def _artifact_key(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", key)


def _excluded(settings: RunConfig) -> list[str]:
    """Columns that are not features: the slice column is a grouping key."""
    return [settings.slices.column] if settings.slices.column else []


def prepare(settings: RunConfig) -> Split:
    """Ingest and preprocess: the checked, seeded train/test split."""
    frame = load_dataset(settings.data.source)
    validate(frame, settings.data.target, _excluded(settings))
    return split(frame, settings.data.target, settings.data.test_size, settings.seed)


def fit_and_score(settings: RunConfig, parts: Split, dask_scheduler: str | None = None) -> Outcome:
    """Train and evaluate the model, and the per-slice models when slices are configured."""
    target = settings.data.target
    model = fit(parts.train, target, settings.model, settings.seed, _excluded(settings))
    metrics = evaluate(model, parts.test, target)
    slice_results: list[SliceResult] = []
    if settings.slices.column:
        # Slices see the rows in a fixed order (train, then test), so a stored copy of the
        # two sets is enough to replay them.
        rows = pd.concat([parts.train, parts.test], ignore_index=True)
        slice_results = train_slices(
            rows,
            settings.slices.column,
            target,
            settings.model,
            settings.data.test_size,
            settings.seed,
            n_jobs=settings.slices.n_jobs,
            dask_scheduler=dask_scheduler,
        )
    return Outcome(model, metrics, slice_results)


def train_run(
    settings: RunConfig, config_file: Path, comment: str, tracker: Backend | None = None
) -> tuple[str, Backend]:
    """Run every stage, then record the run; return its id and the store it went to.

    The tracking store is opened only once every stage has succeeded.
    """
    parts = prepare(settings)
    outcome = fit_and_score(settings, parts, settings.slices.dask_scheduler)
    tracker = tracker or open_tracker(settings)
    root = Path.cwd()
    git = provenance.git_state(root)
    tags = {
        "comment": comment,
        "mlflow.note.content": comment,
        "environment": settings.environment,
        "config.file": config_file.as_posix(),
        "git.commit": git.commit,
        "git.dirty": git.dirty,
        "template.version": provenance.template_version(root),
        "infra.version": provenance.infra_version(root),
        "data.source": settings.data.source,
        "data.train_sha256": content_hash(parts.train),
        "data.test_sha256": content_hash(parts.test),
        "data.train_rows": str(len(parts.train)),
        "data.test_rows": str(len(parts.test)),
        "data.stored_copy": str(settings.data.store_copy).lower(),
        "image": provenance.image_reference(),
    }
    artifact_location = None
    if settings.lake is not None and settings.lake.enabled:
        # The environment's lake: splits to its processed bucket, artifacts to its artifacts
        # bucket, and the version of its infrastructure as applied right now.
        from .cloud import data_lake

        lake = data_lake()
        uris = lake.store_splits(parts, settings.lake)
        tags.update({"data.train_uri": uris["train"], "data.test_uri": uris["test"]})
        tags.update(provenance.deployed_infra(root, settings.environment))
        artifact_location = lake.artifact_root(settings.lake, settings.tracking.experiment)
    datasets = {}
    if settings.data.store_copy:
        datasets = {
            TRAIN_ARTIFACT: to_csv_bytes(parts.train),
            TEST_ARTIFACT: to_csv_bytes(parts.test),
        }
    extra = {"slices.json": [r.summary() for r in outcome.slices]} if outcome.slices else {}
    if outcome.slices:
        datasets.update(slice_artifacts(outcome.slices))
        tags.update(SLICE_ARTIFACT_TAGS)
        tags["slices.explainer"] = ", ".join(sorted({r.explainer for r in outcome.slices}))
    run_id = tracker.log_run(
        experiment=settings.tracking.experiment,
        params=settings.flat(),
        metrics=outcome.all_metrics(),
        tags=tags,
        config=settings.model_dump(mode="json"),
        model=outcome.model,
        datasets=datasets,
        extra_json=extra,
        artifact_location=artifact_location,
    )
    return run_id, tracker


@dataclass(frozen=True)
class MetricCheck:
    name: str
    recorded: float
    now: float | None

    @property
    def matches(self) -> bool:
        return self.now is not None and self.now == self.recorded


@dataclass(frozen=True)
class Replay:
    run_id: str
    data_source: str
    data_unchanged: bool
    notes: list[str]
    checks: list[MetricCheck]

    @property
    def reproduced(self) -> bool:
        return self.data_unchanged and all(c.matches for c in self.checks)


def reproduce(run_id: str, tracker: Backend, use_stored_data: bool = False) -> Replay:
    """Re-run `run_id` from its recorded configuration and data; compare every metric."""
    run = tracker.run(run_id)
    settings = recorded_settings(tracker.load_json(run_id, CONFIG_ARTIFACT))
    notes: list[str] = []
    if use_stored_data and "data.train_uri" in run.tags:
        parts = Split(
            load_dataset(run.tags["data.train_uri"]), load_dataset(run.tags["data.test_uri"])
        )
        source = f"the splits of run {run_id} in the lake"
    elif use_stored_data:
        if run.tags.get("data.stored_copy") != "true":
            raise RunError(f"run {run_id} stored no copy of its data (data.store_copy: false)")
        with tempfile.TemporaryDirectory() as folder:
            train = pd.read_csv(tracker.download(run_id, TRAIN_ARTIFACT, Path(folder)))
            test = pd.read_csv(tracker.download(run_id, TEST_ARTIFACT, Path(folder)))
        parts = Split(train, test)
        source = f"the copy stored with run {run_id}"
    else:
        parts = prepare(settings)
        source = settings.data.source
    unchanged = True
    for name, frame in (("train", parts.train), ("test", parts.test)):
        recorded, current = run.tags.get(f"data.{name}_sha256"), content_hash(frame)
        if recorded != current:
            unchanged = False
            notes.append(f"{name} set changed: sha256 {recorded} when recorded, {current} now")
    git = provenance.git_state(Path.cwd())
    if git.commit != run.tags.get("git.commit"):
        notes.append(
            f"code differs: recorded at commit {run.tags.get('git.commit')}, now {git.commit}"
        )
    if settings.slices.dask_scheduler:
        notes.append("slices replayed locally, not on the recorded Dask scheduler")
    outcome = fit_and_score(settings, parts)
    now = outcome.all_metrics()
    checks = [MetricCheck(k, v, now.get(k)) for k, v in sorted(run.metrics.items())]
    return Replay(run_id, source, unchanged, notes, checks)
