"""Slice training: one model per value of a column, trained in parallel.

The same code runs serially (n_jobs=1), on local processes (joblib's loky backend) or on a
Dask cluster (distributed futures) when a scheduler address is given. Every slice is
split, fitted and explained (SHAP, see explain.py) with the run's seed, on one BLAS thread,
so its metrics and explanations do not depend on where it ran.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .config import ModelConfig
from .errors import DataError
from .evaluate import evaluate
from .explain import explain
from .preprocess import split
from .train import fit

MIN_SLICE_ROWS = 10
SCHEDULER_TIMEOUT = "10s"


IMPORTANCE_REPEATS = 5


@dataclass(frozen=True)
class SliceResult:
    key: str
    rows: int
    metrics: dict[str, float]
    # Permutation importance on the slice's test rows: the drop in accuracy when a feature's
    # values are shuffled. Model-agnostic, in units of accuracy.
    importance: dict[str, float] = field(default_factory=dict)
    # Mean |SHAP| per feature on the slice's test rows, from an explainer fitted on its
    # training rows; `explainer` says which one and what output the values are in.
    shap: dict[str, float] = field(default_factory=dict)
    explainer: str = ""
    model: Any = field(default=None, compare=False, repr=False)
    # Wall seconds of each step on the worker; they vary run to run, so they are neither
    # compared nor recorded as metrics (reproduce compares metrics).
    seconds: dict[str, float] = field(default_factory=dict, compare=False)

    def summary(self) -> dict[str, Any]:
        """One row of the summary table across slices (what slices.json and `train` show)."""
        return {
            "slice": self.key,
            "rows": self.rows,
            **self.metrics,
            "top_features": ", ".join(_top(self.importance)),
            "top_shap_features": ", ".join(_top(self.shap)),
            "explainer": self.explainer,
            "importance": self.importance,
            "shap": self.shap,
        }

    def shap_table(self) -> pd.DataFrame:
        """Mean |SHAP| per feature, largest first: the slice's table artifact."""
        ranked = sorted(self.shap.items(), key=lambda item: -item[1])
        return pd.DataFrame(ranked, columns=["feature", "mean_abs_shap"])


def _top(scores: dict[str, float], count: int = 3) -> list[str]:
    return [name for name, _ in sorted(scores.items(), key=lambda item: -item[1])[:count]]


def permutation_importance_of(
    model: Any, frame: pd.DataFrame, target: str, seed: int
) -> dict[str, float]:
    from sklearn.inspection import permutation_importance

    features = [str(c) for c in model.feature_names_in_]
    found = permutation_importance(
        model,
        frame[features],
        frame[target],
        scoring="accuracy",
        n_repeats=IMPORTANCE_REPEATS,
        random_state=seed,
    )
    return {name: float(v) for name, v in zip(features, found.importances_mean, strict=True)}


def train_one_slice(
    key: str,
    frame: pd.DataFrame,
    target: str,
    config: ModelConfig,
    test_size: float,
    seed: int,
) -> SliceResult:
    from threadpoolctl import threadpool_limits

    # BLAS thread counts change floating-point summation order; one thread everywhere keeps
    # results identical across serial, process and cluster runs (and avoids oversubscription).
    with threadpool_limits(limits=1):
        clock = time.perf_counter()
        parts = split(frame, target, test_size, seed)
        model = fit(parts.train, target, config, seed)
        metrics = evaluate(model, parts.test, target)
        fitted = time.perf_counter()
        importance = permutation_importance_of(model, parts.test, target, seed)
        ranked = time.perf_counter()
        explanation = explain(model, parts.train, parts.test, seed)
        explained = time.perf_counter()
    return SliceResult(
        key,
        len(frame),
        metrics,
        importance,
        explanation.mean_abs(),
        explanation.description,
        model,
        {"fit": fitted - clock, "importance": ranked - fitted, "explain": explained - ranked},
    )


def _slices(frame: pd.DataFrame, column: str, target: str) -> list[tuple[str, pd.DataFrame]]:
    if column not in frame.columns:
        raise DataError(f"slice column {column!r} is not in the data")
    slices = []
    for value, part in frame.groupby(column, sort=True):
        key = str(value)
        if len(part) < MIN_SLICE_ROWS or part[target].nunique() < 2:
            raise DataError(
                f"slice {column}={key} has {len(part)} rows and {part[target].nunique()} "
                f"class(es); each slice needs {MIN_SLICE_ROWS}+ rows and two classes"
            )
        slices.append((key, part.drop(columns=[column]).reset_index(drop=True)))
    return slices


def _on_local_processes(
    slices: list[tuple[str, pd.DataFrame]], work: dict[str, Any], n_jobs: int
) -> list[SliceResult]:
    import joblib

    backend = "loky" if n_jobs != 1 else "sequential"
    with joblib.parallel_config(backend=backend):
        results: list[SliceResult] = joblib.Parallel(n_jobs=n_jobs)(
            joblib.delayed(train_one_slice)(key, part, **work) for key, part in slices
        )
    return results


def _on_dask_cluster(
    slices: list[tuple[str, pd.DataFrame]], work: dict[str, Any], scheduler: str
) -> list[SliceResult]:
    # The cluster is driven with distributed's own futures, not joblib's "dask" backend: that
    # backend scatters arguments behind the caller's back and, when its batch bookkeeping
    # forgets a scattered frame early, the run dies with "already forgotten" (seen about one
    # run in ten). Here every slice is scattered once and its future is held until gathered.
    from distributed import Client

    try:
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
    except OSError as error:
        raise DataError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    with client:
        parts = client.scatter([part for _, part in slices])
        futures = [
            client.submit(train_one_slice, key, part, **work, pure=False)
            for (key, _), part in zip(slices, parts, strict=True)
        ]
        results: list[SliceResult] = client.gather(futures)
    return results


def train_slices(
    frame: pd.DataFrame,
    column: str,
    target: str,
    config: ModelConfig,
    test_size: float,
    seed: int,
    n_jobs: int = 1,
    dask_scheduler: str | None = None,
) -> list[SliceResult]:
    """One model per value of `column`, results in slice order whatever the backend."""
    slices = _slices(frame, column, target)
    work = {"target": target, "config": config, "test_size": test_size, "seed": seed}
    if dask_scheduler is None:
        return _on_local_processes(slices, work, n_jobs)
    return _on_dask_cluster(slices, work, dask_scheduler)
