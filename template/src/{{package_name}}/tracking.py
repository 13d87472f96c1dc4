"""Run tracking with MLflow.

By default runs go to an embedded SQLite store inside the project (`mlruns/mlflow.db`, with
artifacts in `mlruns/artifacts/`; both git-ignored): nothing to start, nothing to host. Set
`MLFLOW_TRACKING_URI` to use a tracking server (or another store) instead.

MLflow is imported lazily, so `--help`, `info` and configuration errors stay instant.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import RunError

if TYPE_CHECKING:
    from .registry import Move

DEFAULT_STORE = Path("mlruns") / "mlflow.db"
SQLITE_PREFIX = "sqlite:///"
MODEL_URI_TAG = "model.uri"
CONFIG_ARTIFACT = "config.json"
TRAIN_ARTIFACT = "data/train.csv"
TEST_ARTIFACT = "data/test.csv"
# Pinned into the logged model's requirements, so MLflow need not infer them (which spawns
# a subprocess and takes seconds).
MODEL_REQUIREMENTS = ("scikit-learn", "skops")


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or SQLITE_PREFIX + DEFAULT_STORE.as_posix()


def _import_mlflow() -> Any:
    # No usage telemetry from MLflow (it honours both); set before the first import.
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    import mlflow
    import mlflow.sklearn

    # Schema creation and migration chatter on a new store is not for the console.
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # uv environments have no pip; MLflow warns about that on every logged model.
    logging.getLogger("mlflow.utils.environment").setLevel(logging.ERROR)
    return mlflow


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    started: str
    status: str
    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str]
    # Where the run's artifacts are: a file://, s3:// or gs:// URI, or mlflow-artifacts:/
    # on a tracking server.
    artifact_uri: str = ""


class Tracker:
    """The tracking store: records runs, finds them, returns what they stored."""

    def __init__(self, uri: str | None = None) -> None:
        self.uri = uri or tracking_uri()
        self._artifact_root: str | None = None
        if self.uri.startswith(SQLITE_PREFIX):
            database = Path(self.uri.removeprefix(SQLITE_PREFIX))
            database.parent.mkdir(parents=True, exist_ok=True)
            self._artifact_root = (database.parent.resolve() / "artifacts").as_uri()
        self.mlflow = _import_mlflow()
        self.mlflow.set_tracking_uri(self.uri)
        self.client = self.mlflow.MlflowClient(self.uri)

    def experiment_id(
        self, name: str, create: bool = False, artifact_location: str | None = None
    ) -> str | None:
        """The experiment's id (made when `create`). `artifact_location` is where its
        artifacts must go (the environment's bucket); an experiment that already stores
        them elsewhere is refused rather than silently used."""
        experiment = self.client.get_experiment_by_name(name)
        if experiment is not None:
            if artifact_location and experiment.artifact_location != artifact_location:
                raise RunError(
                    f"experiment {name!r} stores artifacts at {experiment.artifact_location}, "
                    f"not {artifact_location}: set tracking.experiment to a new name"
                )
            return str(experiment.experiment_id)
        if not create:
            return None
        location = artifact_location or (
            f"{self._artifact_root}/{name}" if self._artifact_root else None
        )
        return str(self.client.create_experiment(name, artifact_location=location))

    def log_run(
        self,
        experiment: str,
        params: dict[str, Any],
        metrics: dict[str, float],
        tags: dict[str, str],
        config: dict[str, Any],
        model: Any,
        datasets: dict[str, bytes],
        extra_json: dict[str, Any],
        artifact_location: str | None = None,
    ) -> str:
        """Record one finished run; return its id."""
        mlflow = self.mlflow
        experiment_id = self.experiment_id(experiment, True, artifact_location)
        with mlflow.start_run(experiment_id=experiment_id, tags=tags) as run:
            mlflow.log_params({k: "none" if v is None else v for k, v in params.items()})
            mlflow.log_metrics(metrics)
            mlflow.log_dict(config, CONFIG_ARTIFACT)
            for artifact, content in extra_json.items():
                mlflow.log_dict(content, artifact)
            if datasets:
                with tempfile.TemporaryDirectory() as folder:
                    for artifact, content in datasets.items():
                        target = Path(folder) / artifact
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(content)
                    mlflow.log_artifacts(folder)
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                pip_requirements=[f"{p}=={metadata.version(p)}" for p in MODEL_REQUIREMENTS],
            )
            mlflow.set_tag(MODEL_URI_TAG, info.model_uri)
        return str(run.info.run_id)

    def recent_runs(self, experiment: str, limit: int) -> list[RunSummary]:
        experiment_id = self.experiment_id(experiment)
        if experiment_id is None:
            return []
        runs = self.client.search_runs(
            [experiment_id], order_by=["attributes.start_time DESC"], max_results=limit
        )
        return [_summary(run) for run in runs]

    def run(self, run_id: str) -> RunSummary:
        from mlflow.exceptions import MlflowException

        try:
            return _summary(self.client.get_run(run_id))
        except MlflowException:
            raise RunError(f"no run {run_id!r} in the tracking store {self.uri}") from None

    def latest_run_id(self, experiment: str) -> str:
        finished = [r for r in self.recent_runs(experiment, 50) if r.status == "FINISHED"]
        if not finished:
            raise RunError(f"no finished run in experiment {experiment!r}; run `train` first")
        return finished[0].run_id

    def load_json(self, run_id: str, artifact: str) -> Any:
        try:
            return self.mlflow.artifacts.load_dict(self._artifact_uri(run_id, artifact))
        except Exception:  # MLflow raises several types for a missing artifact
            raise RunError(f"run {run_id} has no artifact {artifact}") from None

    def download(self, run_id: str, artifact: str, destination: Path) -> Path:
        try:
            local = self.client.download_artifacts(run_id, artifact, str(destination))
        except Exception:  # MLflow raises several types for a missing artifact
            raise RunError(f"run {run_id} has no artifact {artifact}") from None
        return Path(local)

    def load_model(self, run: RunSummary) -> Any:
        uri = run.tags.get(MODEL_URI_TAG)
        if not uri:
            raise RunError(f"run {run.run_id} has no logged model")
        return self.load_model_uri(uri, f"run {run.run_id}")

    def load_model_uri(self, uri: str, what: str) -> Any:
        try:
            return self.mlflow.sklearn.load_model(uri)
        except Exception as error:  # storage errors vary by store: S3, file, server
            raise RunError(f"cannot load the model of {what} ({uri}): {error}") from None

    # The registry's moves (registry.py), as methods: the commands call them the same way
    # on every backend (backend.py).
    def register_run(self, name: str, run: RunSummary) -> str:
        from .registry import register_run

        return register_run(self, name, run)

    def promote(self, name: str, run_id: str, alias: str) -> Move:
        from .registry import promote

        return promote(self, name, run_id, alias)

    def rollback(self, name: str, alias: str) -> Move:
        from .registry import rollback

        return rollback(self, name, alias)

    def load_by_alias(self, name: str, alias: str) -> tuple[Any, str, str]:
        from .registry import load_by_alias

        return load_by_alias(self, name, alias)

    def _artifact_uri(self, run_id: str, artifact: str) -> str:
        return f"{self.client.get_run(run_id).info.artifact_uri}/{artifact}"


def _summary(run: Any) -> RunSummary:
    from datetime import UTC, datetime

    started = datetime.fromtimestamp(run.info.start_time / 1000, tz=UTC)
    return RunSummary(
        run_id=str(run.info.run_id),
        started=started.strftime("%Y-%m-%d %H:%M:%S"),
        status=str(run.info.status),
        params=dict(run.data.params),
        metrics=dict(run.data.metrics),
        tags={k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")},
        artifact_uri=str(run.info.artifact_uri),
    )
