"""Evaluate: the metrics every run records, computed on held-out rows."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .errors import DataError

METRICS = ("accuracy", "f1_macro", "log_loss")


def evaluate(model: Any, frame: pd.DataFrame, target: str) -> dict[str, float]:
    """Accuracy, macro F1 and log loss of a fitted model on `frame`."""
    from sklearn.metrics import accuracy_score, f1_score, log_loss

    features = [str(c) for c in model.feature_names_in_]
    missing = [c for c in (*features, target) if c not in frame.columns]
    if missing:
        raise DataError(f"the data lacks column(s) the model needs: {missing}")
    truth = frame[target]
    predicted = model.predict(frame[features])
    probabilities = model.predict_proba(frame[features])
    return {
        "accuracy": float(accuracy_score(truth, predicted)),
        "f1_macro": float(f1_score(truth, predicted, average="macro", zero_division=0)),
        "log_loss": float(log_loss(truth, probabilities, labels=model.classes_)),
    }
