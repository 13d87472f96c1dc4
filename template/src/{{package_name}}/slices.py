"""Slice training: one model per value of a column, trained in parallel.

The same code runs serially (n_jobs=1), on local processes (joblib's loky backend) or on a
Dask cluster (joblib's "dask" backend) when a scheduler address is given. Every slice is
split and fitted with the run's seed, on one BLAS thread, so its metrics do not depend on
where it ran.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from .config import ModelConfig
from .errors import DataError
from .evaluate import evaluate
from .preprocess import split
from .train import fit

MIN_SLICE_ROWS = 10
SCHEDULER_TIMEOUT = "10s"


@dataclass(frozen=True)
class SliceResult:
    key: str
    rows: int
    metrics: dict[str, float]


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
        parts = split(frame, target, test_size, seed)
        model = fit(parts.train, target, config, seed)
        return SliceResult(key, len(frame), evaluate(model, parts.test, target))


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


@contextmanager
def _backend(n_jobs: int, dask_scheduler: str | None) -> Iterator[int]:
    """Choose where joblib runs the slices; yield the n_jobs to ask for."""
    import joblib

    if dask_scheduler is None:
        with joblib.parallel_config(backend="loky" if n_jobs != 1 else "sequential"):
            yield n_jobs
        return
    from distributed import Client

    try:
        client = Client(dask_scheduler, timeout=SCHEDULER_TIMEOUT)
    except OSError as error:
        raise DataError(f"cannot reach the Dask scheduler at {dask_scheduler}: {error}") from None
    with client, joblib.parallel_config(backend="dask"):
        yield -1


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
    import joblib

    slices = _slices(frame, column, target)
    with _backend(n_jobs, dask_scheduler) as jobs:
        results: list[SliceResult] = joblib.Parallel(n_jobs=jobs)(
            joblib.delayed(train_one_slice)(key, part, target, config, test_size, seed)
            for key, part in slices
        )
    return results
