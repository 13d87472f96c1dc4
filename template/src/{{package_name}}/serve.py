"""Serve a model over HTTP: `/predict` for rows, `/health` for whoever runs the service.

The request schema is made from the model itself (one number per feature it was trained
on), so a row the model cannot score is refused at the door with one 422 that names the row
and the field, instead of an error from deep inside scikit-learn.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, create_model

MAX_ROWS = 10_000


def row_schema(features: list[str]) -> type[BaseModel]:
    """A pydantic model of one row: every feature a finite number, nothing else."""
    # Feature names need not be Python identifiers (e.g. `od280/od315_...`): fields get
    # safe names and take the feature's name as their alias.
    fields: dict[str, Any] = {
        f"f{index}": (float, Field(alias=name, allow_inf_nan=False))
        for index, name in enumerate(features)
    }
    return create_model(
        "Row", __config__=ConfigDict(extra="forbid", populate_by_name=False), **fields
    )


def _one_line(errors: list[Any]) -> str:
    """The first validation problem as `rows[3].alcohol: Input should be a valid number`."""
    first = errors[0]
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    where = location[0] if location else "body"
    for part in location[1:]:
        where += f"[{part}]" if part.isdigit() else f".{part}"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{where}: {first.get('msg', 'invalid')}{more}"


def create_app(model: Any, model_name: str, version: str, run_id: str) -> Any:
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    features = [str(c) for c in model.feature_names_in_]
    classes = [str(c) for c in model.classes_]
    row = row_schema(features)
    request_model = create_model(
        "PredictRequest",
        __config__=ConfigDict(extra="forbid"),
        rows=(list[row], Field(min_length=1, max_length=MAX_ROWS)),  # type: ignore[valid-type]
    )

    class Prediction(BaseModel):
        prediction: str
        probabilities: dict[str, float]

    class PredictResponse(BaseModel):
        model: str
        version: str
        run_id: str
        predictions: list[Prediction]

    app = FastAPI(title=f"{model_name} v{version}", version=version)

    async def one_clear_error(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": _one_line(list(error.errors()))})

    def health() -> dict[str, str]:
        return {"status": "ok", "model": model_name, "version": version, "run_id": run_id}

    def predict(body: Any) -> PredictResponse:
        frame = pd.DataFrame(
            [item.model_dump(by_alias=True) for item in body.rows], columns=features
        )
        predicted = model.predict(frame)
        probabilities = model.predict_proba(frame)
        return PredictResponse(
            model=model_name,
            version=version,
            run_id=run_id,
            predictions=[
                Prediction(
                    prediction=str(label),
                    probabilities=dict(zip(classes, map(float, p), strict=True)),
                )
                for label, p in zip(predicted, probabilities, strict=True)
            ],
        )

    # The body type is made at run time from the model, so it is attached here.
    predict.__annotations__["body"] = request_model
    app.add_exception_handler(RequestValidationError, one_clear_error)
    app.add_api_route("/health", health, methods=["GET"])
    app.add_api_route("/predict", predict, methods=["POST"], response_model=PredictResponse)
    return app
