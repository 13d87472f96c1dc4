"""Dev's read-only access to prod's data, proven while both stand on the emulator.

When `apply_destroy.py` applies the first environment (dev) and the last (prod) side by side
(`make infra-local ALL=1`), this probe runs between their applies and their destroys, with IAM
enforced: a developer of dev, a user allowed nothing but to assume dev's prod-data reader
role, cannot read prod's data alone; through the role it lists and reads prod's raw data and
can neither write nor delete it, nor read prod's models. What it found is kept as
prod-data-access.json in OUT_DIR, and any refusal that did not happen fails the run.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from emulator import Emulator

Verify = Callable[[str, Emulator, dict[str, Any], str], list[str]]
DENIED = {"AccessDenied", "403", "Forbidden"}
USER = "probe-developer"
# Long enough for the other environment's apply under load; a failed apply aborts the wait.
WAIT_SECONDS = 1800


class ProbeFailed(Exception):
    """Dev's developers can do more, or less, with prod's data than the stack promises."""


def _denied(call: Callable[[], Any]) -> bool:
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"] in DENIED
    return False


def probe(
    emulator: Emulator, dev: tuple[str, dict[str, Any]], prod: tuple[str, dict[str, Any]]
) -> dict[str, bool]:
    """Each promise about prod's data, as dev's developer tries it: True where it holds.

    `dev` and `prod` are each (account, terraform outputs). Leaves nothing behind: the probe's
    objects (every version) and its user are removed, so prod's buckets can be destroyed.
    """
    (dev_account, dev_outputs), (prod_account, prod_outputs) = dev, prod
    raw = prod_outputs["bucket_names"]["raw"]
    models = prod_outputs["bucket_names"]["models"]
    reader_arn = dev_outputs["prod_data_reader_role_arn"]

    def admin(service: str, account: str) -> Any:
        return emulator.client(service, access_key=account, secret_key=account)

    prod_s3 = admin("s3", prod_account)
    prod_s3.put_object(Bucket=raw, Key="probe/rows.csv", Body=b"a,b\n1,2\n")
    prod_s3.put_object(Bucket=models, Key="probe/model.bin", Body=b"weights")
    iam = admin("iam", dev_account)
    iam.create_user(UserName=USER)
    only_assume = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": reader_arn}],
    }
    iam.put_user_policy(
        UserName=USER, PolicyName="assume-prod-data-reader", PolicyDocument=json.dumps(only_assume)
    )
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    try:
        user = {"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}
        user_s3 = emulator.client("s3", **user)
        found = {
            "developer alone cannot read prod": _denied(
                lambda: user_s3.get_object(Bucket=raw, Key="probe/rows.csv")
            )
        }
        creds = emulator.client("sts", **user).assume_role(
            RoleArn=reader_arn, RoleSessionName="data-work"
        )["Credentials"]
        reader = emulator.client(
            "s3",
            access_key=creds["AccessKeyId"],
            secret_key=creds["SecretAccessKey"],
            session_token=creds["SessionToken"],
        )
        listed = reader.list_objects_v2(Bucket=raw).get("Contents", [])
        found["reader lists prod raw"] = [o["Key"] for o in listed] == ["probe/rows.csv"]
        body = reader.get_object(Bucket=raw, Key="probe/rows.csv")["Body"].read()
        found["reader gets a prod object"] = body == b"a,b\n1,2\n"
        found["reader cannot put"] = _denied(
            lambda: reader.put_object(Bucket=raw, Key="x", Body=b"x")
        )
        found["reader cannot delete"] = _denied(
            lambda: reader.delete_object(Bucket=raw, Key="probe/rows.csv")
        )
        found["reader cannot read prod models"] = _denied(
            lambda: reader.get_object(Bucket=models, Key="probe/model.bin")
        )
    finally:
        # prod's buckets refuse to be destroyed while they hold data (no force_destroy).
        for bucket in (raw, models):
            versions = prod_s3.list_object_versions(Bucket=bucket)
            for item in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
                prod_s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
        iam.delete_user_policy(UserName=USER, PolicyName="assume-prod-data-reader")
        iam.delete_access_key(UserName=USER, AccessKeyId=key["AccessKeyId"])
        iam.delete_user(UserName=USER)
    return found


class ProdDataProbe:
    """Holds dev and prod between apply and destroy until the probe has run.

    `verify_with` wraps an environment's verification: dev and prod each wait for the other's
    apply, dev probes, prod waits for the probe before it is destroyed. An environment that
    fails calls `abort`, so that the other does not wait for it.
    """

    def __init__(self, reader: str, source: str, out_dir: Path | None) -> None:
        self.reader, self.source, self.out_dir = reader, source, out_dir
        self._applied: dict[str, tuple[str, dict[str, Any]]] = {}
        self._both_applied = threading.Barrier(2, timeout=WAIT_SECONDS)
        self._probed = threading.Event()

    def abort(self) -> None:
        self._both_applied.abort()
        self._probed.set()

    def verify_with(self, inner: Verify) -> Verify:
        def verify(
            environment: str, emulator: Emulator, outputs: dict[str, Any], account: str
        ) -> list[str]:
            notes = inner(environment, emulator, outputs, account)
            if environment not in (self.reader, self.source):
                return notes
            self._applied[environment] = (account, outputs)
            try:
                self._both_applied.wait()
            except threading.BrokenBarrierError:
                other = self.source if environment == self.reader else self.reader
                raise ProbeFailed(f"not probed: {other} failed before it was applied") from None
            if environment == self.source:
                self._probed.wait(WAIT_SECONDS)
                return notes
            try:
                found = probe(emulator, self._applied[self.reader], self._applied[self.source])
            finally:
                self._probed.set()
            if self.out_dir is not None:
                (self.out_dir / "prod-data-access.json").write_text(
                    json.dumps(found, indent=1) + "\n", encoding="utf-8"
                )
            broken = [promise for promise, held in found.items() if not held]
            if broken:
                raise ProbeFailed(f"{self.source}'s data from {self.reader}: {'; '.join(broken)}")
            return [*notes, f"{self.source}'s data from {self.reader}: {', '.join(found)}"]

        return verify
