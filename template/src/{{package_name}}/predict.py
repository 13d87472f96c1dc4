"""Predict: score new rows with a tracked run's model."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .errors import DataError
from .ingest import load_dataset


def predict(model: Any, source: str) -> pd.DataFrame:
    """The predicted class and per-class probabilities for every row of `source`.

    Extra columns (the label, a slice column, an id) are ignored; missing features are an error.
    """
    frame = load_dataset(source)
    features = [str(c) for c in model.feature_names_in_]
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise DataError(f"{source} lacks feature column(s) the model needs: {missing}")
    rows = frame[features]
    if rows.isna().any().any():
        raise DataError(f"{source} has missing feature values; fill or drop them first")
    result = pd.DataFrame({"prediction": model.predict(rows)})
    for label, column in zip(model.classes_, model.predict_proba(rows).T, strict=True):
        result[f"probability_{label}"] = column
    return result
