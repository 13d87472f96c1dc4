"""Train: the project's one modelling approach, a scaled logistic regression."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from .config import ModelConfig
from .preprocess import feature_columns


def build_model(config: ModelConfig, seed: int) -> Any:
    """An unfitted scikit-learn Pipeline; every random step takes `seed`."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "classify",
                LogisticRegression(C=config.C, max_iter=config.max_iter, random_state=seed),
            ),
        ]
    )


def fit(
    frame: pd.DataFrame,
    target: str,
    config: ModelConfig,
    seed: int,
    exclude: Sequence[str] = (),
) -> Any:
    """A model fitted on `frame`; columns in `exclude` (e.g. the slice column) are not features."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    model = build_model(config, seed)
    features = feature_columns(frame, target, exclude)
    with warnings.catch_warnings():
        # Not converging within max_iter is a modelling fact worth a metric, not console noise.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(frame[features], frame[target])
    return model
