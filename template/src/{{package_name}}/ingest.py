"""Ingest: read the configured dataset into a DataFrame.

Three kinds of source, none needing a download step:
- `sklearn:<name>`: a dataset shipped with scikit-learn (wine, breast_cancer, iris);
- a local `.csv` or `.parquet` file;
- `s3://bucket/key.csv|.parquet`, read with boto3. boto3 honours `AWS_ENDPOINT_URL`, so a
  local S3 stand-in (moto_server, MinIO) works with no code change;
- `gs://bucket/key.csv|.parquet`, read through the GCS JSON API (see gcs.py), which honours
  `STORAGE_EMULATOR_HOST` the same way.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO

import pandas as pd

from .errors import DataError


def load_dataset(source: str) -> pd.DataFrame:
    """The whole dataset named by `source`, as read; checks on its content come later."""
    if source.startswith("sklearn:"):
        return _load_builtin(source.removeprefix("sklearn:"))
    if source.startswith("s3://"):
        return _parse(io.BytesIO(_read_s3(source)), source)
    if source.startswith("gs://"):
        from .gcs import read_object

        return _parse(io.BytesIO(read_object(source)), source)
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


def _read_s3(uri: str) -> bytes:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not bucket or not key:
        raise DataError(f"{uri} must look like s3://bucket/key")
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = boto3.client("s3").get_object(Bucket=bucket, Key=key)
        body: bytes = response["Body"].read()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        raise DataError(f"cannot read {uri}: {code}") from None
    except BotoCoreError as error:
        raise DataError(f"cannot read {uri}: {error}") from None
    return body
