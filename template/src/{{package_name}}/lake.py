"""The environment's data lake: datasets in, each run's splits out.

Bucket names come from the run configuration (`lake:` in configs/<env>.yaml, the names
infra/ gives the buckets); the buckets are S3's on AWS (s3://) and Google Cloud Storage's on
GCP (gs://, config.LAKE_SCHEME). boto3 honours `AWS_ENDPOINT_URL` and gcs.py
`STORAGE_EMULATOR_HOST`, so the same calls work against a local emulator with no code change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import LAKE_SCHEME, LakeConfig
from .errors import DataError
from .ingest import load_dataset
from .preprocess import Split, content_hash, to_csv_bytes

DATASETS_PREFIX = "datasets/"
# Splits are stored under their content hash: a run names exactly the bytes it trained on,
# and runs on the same data share one copy.
SPLITS_PREFIX = "splits/sha256/"


def split_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of an s3:// URI, or one clear DataError."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or not key:
        raise DataError(f"{uri} must look like s3://bucket/key")
    return bucket, key


def s3_client() -> Any:
    import boto3

    return boto3.client("s3")


def put_object(uri: str, body: bytes) -> str:
    """Write `body` to `uri` (s3:// or gs://); return the uri."""
    if uri.startswith("gs://"):
        from .gcs import write_object

        write_object(uri, body)
        return uri
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, key = split_uri(uri)
    try:
        s3_client().put_object(Bucket=bucket, Key=key, Body=body)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        raise DataError(f"cannot write {uri}: {code}") from None
    except BotoCoreError as error:
        raise DataError(f"cannot write {uri}: {error}") from None
    return uri


def dataset_key(source: str) -> str:
    """Where a dataset goes in the raw bucket by default: datasets/<name>.<suffix>."""
    if source.startswith("sklearn:"):
        return f"{DATASETS_PREFIX}{source.removeprefix('sklearn:')}.csv"
    return DATASETS_PREFIX + Path(source).name


def upload_dataset(source: str, lake: LakeConfig, key: str | None = None) -> str:
    """Put a dataset (shipped, or a local .csv/.parquet file) into the raw bucket.

    The data is parsed first, so nothing unreadable reaches the lake. Files go up byte for
    byte; a shipped dataset goes up as CSV. Returns the URI to use as data.source.
    """
    frame = load_dataset(source)
    key = key or dataset_key(source)
    if Path(key).suffix.lower() not in (".csv", ".parquet"):
        raise DataError(f"key {key!r} must end in .csv or .parquet (train reads it by suffix)")
    if source.startswith("sklearn:"):
        if not key.lower().endswith(".csv"):
            raise DataError(f"a shipped dataset is uploaded as CSV: key {key!r} must end in .csv")
        body = to_csv_bytes(frame)
    else:
        if Path(key).suffix.lower() != Path(source).suffix.lower():
            raise DataError(f"key {key!r} must keep the file's suffix {Path(source).suffix!r}")
        body = Path(source).read_bytes()
    return put_object(f"{LAKE_SCHEME}://{lake.raw_bucket}/{key}", body)


def store_splits(parts: Split, lake: LakeConfig) -> dict[str, str]:
    """Write the train and test sets to the processed bucket; return their URIs."""
    uris = {}
    for name, frame in (("train", parts.train), ("test", parts.test)):
        uri = f"{LAKE_SCHEME}://{lake.processed_bucket}/{SPLITS_PREFIX}{content_hash(frame)}.csv"
        uris[name] = put_object(uri, to_csv_bytes(frame))
    return uris


def artifact_root(lake: LakeConfig, experiment: str) -> str:
    """MLflow artifact location of an experiment in the environment's artifacts bucket."""
    return f"{LAKE_SCHEME}://{lake.artifacts_bucket}/mlflow/{experiment}"
