"""Ingest: read the configured dataset into a DataFrame.

Three kinds of source, none needing a download step:
- `sklearn:<name>`: a dataset shipped with scikit-learn (wine, breast_cancer, iris);
- a local `.csv` or `.parquet` file;
- an object in the cloud's storage, `s3://bucket/key.csv|.parquet` on AWS (s3.py) or
  `gs://bucket/key.csv|.parquet` on Google Cloud (gcs.py), read through the module
  cloud.object_store names; both honour their emulator variable, so a local stand-in works
  with no code change.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO

import pandas as pd

from .cloud import is_object_uri, object_store
from .errors import DataError


def load_dataset(source: str) -> pd.DataFrame:
    """The whole dataset named by `source`, as read; checks on its content come later."""
    if source.startswith("sklearn:"):
        return _load_builtin(source.removeprefix("sklearn:"))
    if is_object_uri(source):
        return _parse(io.BytesIO(object_store(source).read_object(source)), source)
    path = Path(source)
    if not path.is_file():
        raise DataError(f"data file not found: {source}")
    with path.open("rb") as handle:
        return _parse(handle, source)


def _load_builtin(name: str) -> pd.DataFrame:
    from sklearn import datasets

    loaders = {
        "breast_cancer": datasets.load_breast_cancer,
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
    }
    if name not in loaders:
        raise DataError(f"unknown scikit-learn dataset {name!r}; choose one of {sorted(loaders)}")
    bunch = loaders[name](as_frame=True)
    frame: pd.DataFrame = bunch.frame
    # Column names with spaces or parentheses make awkward MLflow keys and CSV headers.
    frame.columns = [str(c).replace(" ", "_").replace("(", "").replace(")", "") for c in frame]
    return frame


def _parse(handle: IO[bytes], source: str) -> pd.DataFrame:
    suffix = Path(source).suffix.lower()
    try:
        if suffix == ".csv":
            frame: pd.DataFrame = pd.read_csv(handle)
        elif suffix == ".parquet":
            frame = pd.read_parquet(handle)
        else:
            raise DataError(f"{source}: unsupported file type {suffix!r}; use .csv or .parquet")
    except (ValueError, OSError) as error:
        raise DataError(f"cannot parse {source}: {error}") from None
    if frame.empty:
        raise DataError(f"{source} holds no rows")
    return frame
