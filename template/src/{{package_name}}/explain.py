"""Explain: SHAP values of a fitted model, from the fast exact explainer of its family.

- Linear models (what train.py fits: a scaler, then a logistic regression) get shap's
  LinearExplainer: exact, one multiplication per row, in log-odds (`decision_function`).
- Tree ensembles get TreeExplainer: exact, polynomial time, in the trees' own output.
- Anything else gets the generic permutation explainer on `predict_proba`: model-agnostic,
  exact in its additivity but sampled, and hundreds of model calls per row, so it explains
  at most GENERIC_MAX_ROWS rows.

Per-feature scalers in front of the model (StandardScaler and friends) change each column on
its own, so the fast explainers run on the scaled columns and their values still belong one
to one to the input columns. Any other preprocessing mixes columns: the generic explainer
then explains the whole pipeline.

Every explainer is fitted on the training rows (the background the expected value is taken
over) and explains held-out rows. shap, numba and matplotlib load only when used.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

GENERIC_MAX_ROWS = 200
GENERIC_BACKGROUND_ROWS = 100
PLOT_MAX_FEATURES = 20
# Per-column transforms: the fast explainers can look through them (see the module docstring).
PER_FEATURE_SCALERS = ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler")
OUTPUT_UNITS = {"decision_function": "log-odds", "predict_proba": "probability"}


@dataclass(frozen=True)
class Explanation:
    """SHAP values of `rows`: values[row, feature, output] add up, per row and output, to
    the model's `output` method minus `expected_value[output]`."""

    explainer: str
    output: str
    features: list[str]
    values: Any  # numpy array, rows x features x outputs
    expected_value: Any  # numpy array, one per output

    def mean_abs(self) -> dict[str, float]:
        """Mean |SHAP| per feature, over rows and outputs: how much each feature moves the
        model's output, on average, in the output's own unit."""
        import numpy as np

        means = np.abs(self.values).mean(axis=(0, 2))
        return {name: float(v) for name, v in zip(self.features, means, strict=True)}

    @property
    def description(self) -> str:
        """Which explainer, and the unit of its values, e.g. `LinearExplainer, log-odds
        (decision_function)`."""
        unit = OUTPUT_UNITS.get(self.output, self.output)
        return f"{self.explainer}, {unit} ({self.output})"


def _parts(model: Any) -> tuple[Any, Any]:
    """The per-feature preprocessing of a model (None when there is none) and the estimator
    behind it; (None, None) when the preprocessing mixes columns."""
    from sklearn.pipeline import Pipeline

    if not isinstance(model, Pipeline):
        return None, model
    steps = [step for _, step in model.steps[:-1] if step not in (None, "passthrough")]
    if any(type(step).__name__ not in PER_FEATURE_SCALERS for step in steps):
        return None, None
    return (model[:-1] if steps else None), model[-1]


def _as_3d(values: Any, expected: Any) -> tuple[Any, Any]:
    """Values as rows x features x outputs and expected values as one per output, whatever
    shape the explainer returned (binary models have one output, multi-class one per class)."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    if values.ndim == 2:
        values = values[:, :, np.newaxis]
    return values, np.atleast_1d(np.asarray(expected, dtype=float))


def _linear(estimator: Any, background: Any, rows: Any) -> tuple[Any, Any]:
    import shap

    # Independent masker over every training row, not shap's default sample of 100: the
    # expected value is then the mean output over the whole training set.
    masker = shap.maskers.Independent(background, max_samples=len(background))
    explainer = shap.LinearExplainer(estimator, masker)
    return _as_3d(explainer.shap_values(rows), explainer.expected_value)


def _tree(estimator: Any, rows: Any) -> tuple[str, Any, Any] | None:
    """TreeExplainer's values and the model method they add up to; None when TreeExplainer
    does not take this model."""
    import shap

    try:
        # Path-dependent: the background is the training rows each split saw (the trees'
        # node counts), so no background set is passed and no row is sampled.
        explainer = shap.TreeExplainer(estimator, feature_perturbation="tree_path_dependent")
    except ValueError:
        # shap's InvalidModelError (a ValueError, from a private module): not a tree model,
        # or one it does not take (e.g. multi-class GradientBoostingClassifier).
        return None
    # Trees that vote with probabilities (random forests) add up to predict_proba; boosted
    # trees add up to their log-odds, which is what decision_function returns.
    tree_output = str(getattr(explainer.model, "tree_output", ""))
    output = {"probability": "predict_proba", "log_odds": "decision_function"}.get(tree_output)
    if output is None or not hasattr(estimator, output):
        return None
    values, expected = _as_3d(explainer.shap_values(rows), explainer.expected_value)
    return output, values, expected


def _generic(
    model: Any, features: list[str], background: pd.DataFrame, rows: pd.DataFrame, seed: int
) -> tuple[Any, Any]:
    import shap

    def predict_proba(data: Any) -> Any:
        # The model was fitted on a named frame: give it one, not a bare array.
        return model.predict_proba(pd.DataFrame(data, columns=features))

    masker = shap.maskers.Independent(
        background.to_numpy(dtype=float), max_samples=GENERIC_BACKGROUND_ROWS
    )
    explainer = shap.explainers.Permutation(predict_proba, masker, seed=seed)
    # Each permutation needs two model calls per feature; shap's default budget (500) is
    # too small beyond 249 features.
    found = explainer(rows.to_numpy(dtype=float), max_evals=max(500, 2 * len(features) + 1))
    return _as_3d(found.values, found.base_values[0])


def explain(model: Any, background: pd.DataFrame, rows: pd.DataFrame, seed: int) -> Explanation:
    """SHAP values of `model` on `rows`, with `background` (the training rows) as the data
    the expected value is taken over. `seed` fixes whatever the explainer samples."""
    features = [str(c) for c in model.feature_names_in_]
    background, rows = background[features], rows[features]
    preprocessing, estimator = _parts(model)
    if estimator is not None:
        if preprocessing is None:
            scaled_background, scaled_rows = background.to_numpy(float), rows.to_numpy(float)
        else:
            scaled_background = preprocessing.transform(background)
            scaled_rows = preprocessing.transform(rows)
        # scikit-learn's linear classifiers: decision_function is rows @ coef_.T + intercept_,
        # which is exactly what LinearExplainer takes apart.
        if type(estimator).__module__.startswith("sklearn.linear_model") and hasattr(
            estimator, "decision_function"
        ):
            values, expected = _linear(estimator, scaled_background, scaled_rows)
            return Explanation("LinearExplainer", "decision_function", features, values, expected)
        tree = _tree(estimator, scaled_rows)
        if tree is not None:
            output, values, expected = tree
            return Explanation("TreeExplainer", output, features, values, expected)
    if len(rows) > GENERIC_MAX_ROWS:
        rows = rows.sample(GENERIC_MAX_ROWS, random_state=seed)
    values, expected = _generic(model, features, background, rows, seed)
    return Explanation("PermutationExplainer", "predict_proba", features, values, expected)


def summary_plot(mean_abs_by_slice: dict[str, dict[str, float]], explainer: str) -> bytes:
    """One PNG across slices: a heat map of mean |SHAP|, features (the PLOT_MAX_FEATURES
    largest on average over slices, largest first) down, slices across. `explainer` names
    the explainer and unit (Explanation.description) under the title."""
    import numpy as np
    from matplotlib.figure import Figure

    table = pd.DataFrame(mean_abs_by_slice)  # features x slices
    table = table.loc[table.mean(axis=1).sort_values(ascending=False).index]
    shown = table.head(PLOT_MAX_FEATURES)
    width = min(4 + 0.5 * shown.shape[1], 30)
    height = 1.5 + 0.35 * shown.shape[0]
    # A Figure of its own (not pyplot): no global state, no display backend, safe in threads.
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots()
    image = axes.imshow(shown.to_numpy(), aspect="auto", cmap="viridis")
    axes.set_yticks(range(shown.shape[0]), list(shown.index))
    step = math.ceil(shown.shape[1] / 60)  # at most about 60 slice labels stay readable
    axes.set_xticks(range(0, shown.shape[1], step), list(shown.columns[::step]), rotation=90)
    axes.set_xlabel("slice")
    hidden = len(table) - len(shown)
    axes.set_title(
        "mean |SHAP| per feature and slice"
        + (f" (top {len(shown)} of {len(table)} features)" if hidden else "")
        + f"\n{explainer}"
    )
    figure.colorbar(image, ax=axes, label="mean |SHAP|")
    if shown.size <= 200:
        # Few cells: print each value, in a colour that stays legible on the cell.
        threshold = np.nanmax(shown.to_numpy()) / 2
        for (row, column), value in np.ndenumerate(shown.to_numpy()):
            colour = "black" if value > threshold else "white"
            axes.text(column, row, f"{value:.2g}", ha="center", va="center", color=colour)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
