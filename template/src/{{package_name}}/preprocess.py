"""Preprocess: check the dataset against the configuration, split it, fingerprint it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .errors import DataError


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    test: pd.DataFrame


def feature_columns(frame: pd.DataFrame, target: str, exclude: Sequence[str] = ()) -> list[str]:
    return [str(c) for c in frame.columns if c != target and c not in exclude]


def validate(frame: pd.DataFrame, target: str, exclude: Sequence[str] = ()) -> None:
    """Raise DataError unless `frame` can train a classifier on numeric features."""
    missing = [c for c in (target, *exclude) if c not in frame.columns]
    if missing:
        raise DataError(f"column(s) {missing} not in the data (columns: {list(frame.columns)})")
    features = feature_columns(frame, target, exclude)
    if not features:
        raise DataError("the data has no feature columns besides the target")
    non_numeric = [c for c in features if not pd.api.types.is_numeric_dtype(frame[c])]
    if non_numeric:
        raise DataError(f"feature columns must be numeric; these are not: {non_numeric}")
    with_gaps = [c for c in (*features, target) if frame[c].isna().any()]
    if with_gaps:
        raise DataError(f"columns with missing values: {with_gaps}; fill or drop them first")
    if frame[target].nunique() < 2:
        raise DataError(f"target column {target!r} needs at least two classes")


def split(frame: pd.DataFrame, target: str, test_size: float, seed: int) -> Split:
    """Seeded train/test split, stratified on the target when every class allows it."""
    from sklearn.model_selection import train_test_split

    counts = frame[target].value_counts()
    stratify = frame[target] if counts.min() >= 2 else None
    try:
        train, test = train_test_split(
            frame, test_size=test_size, random_state=seed, stratify=stratify
        )
    except ValueError as error:
        raise DataError(
            f"cannot split {len(frame)} rows with test_size={test_size}: {error}"
        ) from None
    return Split(train.reset_index(drop=True), test.reset_index(drop=True))


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The canonical serialisation: the stored copy, and what the hash is taken of."""
    text: str = frame.to_csv(index=False, lineterminator="\n")
    return text.encode("utf-8")


def content_hash(frame: pd.DataFrame) -> str:
    return hashlib.sha256(to_csv_bytes(frame)).hexdigest()
