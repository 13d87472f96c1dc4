"""One iteration end to end on an environment, offline: the default project applies dev on
the local AWS emulator (its own infra/local code), uploads the dataset to dev's raw bucket,
trains from there, leaves splits and artifacts in dev's buckets, records the applied state,
promotes and rolls back, serves the promoted model over HTTP on 127.0.0.1, and destroys dev
leaving nothing behind. Everything runs through the generated project's own CLI."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from dayone.tools import project_environment, uv_executable
from tests.support.infra_local import load_apply_script
from tests.support.project import read_answers

pytestmark = [pytest.mark.slow, pytest.mark.terraform]

Rendered = Callable[[str], tuple[Path, dict[str, str]]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _http(url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    # Only http://127.0.0.1 URLs of the service this test started.
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


# Runs the project's own CLI (its typer app) for each command read from stdin, in one
# process of the project's environment: MLflow is imported once, not once per command.
DRIVER = """\
import importlib, json, os, sys
from typer.testing import CliRunner

app = importlib.import_module(sys.argv[1] + ".cli").app
runner = CliRunner()
for line in sys.stdin:
    step = json.loads(line)
    saved = dict(os.environ)
    os.environ.update(step["env"])
    try:
        result = runner.invoke(app, step["args"])
    finally:
        os.environ.clear()
        os.environ.update(saved)
    answer = {"code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr}
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        answer["stderr"] += repr(result.exception)
    print(json.dumps(answer), flush=True)
"""


class Project:
    """The generated project's CLI in a clone, against the emulator, through one driver
    process started with `uv run` in the project's own environment."""

    def __init__(self, root: Path, env: dict[str, str], package: str, scratch: Path) -> None:
        driver = scratch / "cli_driver.py"
        driver.write_text(DRIVER, encoding="utf-8")
        self.process = subprocess.Popen(
            [uv_executable(), "run", "--locked", "--quiet", "python", str(driver), package],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, args: tuple[str, ...], env: dict[str, str]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"args": list(args), "env": env}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the CLI driver ended"
        return dict(json.loads(line))

    def __call__(self, *args: str, **extra_env: str) -> str:
        done = self.run(args, extra_env)
        assert done["code"] == 0, f"{args}: {done['stdout']}\n{done['stderr']}"
        return str(done["stdout"])

    def fails(self, *args: str) -> str:
        done = self.run(args, {})
        assert done["code"] == 1, f"{args} should fail: {done['stdout']}\n{done['stderr']}"
        lines = str(done["stderr"]).strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), done["stderr"]
        return lines[0]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


def test_one_iteration_end_to_end_on_dev(rendered_project: Rendered, tmp_path: Path) -> None:
    source, tool_env = rendered_project("defaults")
    # A clone: the session's rendered project stays untouched for the other tests.
    root = tmp_path / "project"
    subprocess.run(["git", "clone", "--quiet", str(source), str(root)], check=True)
    slug = read_answers(root)["project_slug"]
    package = read_answers(root)["package_name"].upper()
    base_env = {
        k: v
        for k, v in project_environment(tool_env).items()
        if not k.startswith(("AWS_", "MLFLOW_"))
    }
    subprocess.run(
        [uv_executable(), "sync", "--locked", "--quiet"], cwd=root, env=base_env, check=True
    )
    config = yaml.safe_load((root / "configs" / "dev.yaml").read_text(encoding="utf-8"))
    script = load_apply_script(root)
    seen: dict[str, Any] = {}
    timings: dict[str, float] = {}

    def loop(environment: str, emulator: Any, outputs: dict[str, Any], account: str) -> list[str]:
        started = time.monotonic()
        buckets = outputs["bucket_names"]
        # The configuration names the buckets Terraform made: the two cannot drift apart.
        lake = config["lake"]
        assert [lake["raw_bucket"], lake["processed_bucket"], lake["artifacts_bucket"]] == [
            buckets["raw"],
            buckets["processed"],
            buckets["artifacts"],
        ]
        # The data scientist works as the account's administrator (an IAM user of the
        # emulator, which stays valid when IAM is enforced).
        admin_key, admin_secret = emulator.admin_credentials(account)
        env = {
            **base_env,
            "AWS_ENDPOINT_URL": emulator.endpoint,
            "AWS_ACCESS_KEY_ID": admin_key,
            "AWS_SECRET_ACCESS_KEY": admin_secret,
            "AWS_DEFAULT_REGION": read_answers(root)["aws_region"],
            "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
            "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        }
        cli = Project(root, env, read_answers(root)["package_name"], tmp_path)
        try:
            s3 = emulator.client("s3", access_key=account, secret_key=account)

            uri = cli("upload-data", "sklearn:wine").strip()
            assert uri == f"s3://{buckets['raw']}/datasets/wine.csv"
            lake_env = {f"{package}_LAKE__ENABLED": "true", f"{package}_DATA__SOURCE": uri}
            first = _run_id(cli("train", "--comment", "first from the lake", **lake_env))
            listing = cli("runs", "--limit", "1", "--details").splitlines()
            assert listing[1].split()[0] == first
            tags = _tags(listing[2:])
            assert tags["comment"] == "first from the lake" and tags["data.source"] == uri
            second = _run_id(
                cli("train", "--comment", "second", **lake_env, **{f"{package}_MODEL__C": "0.05"})
            )
            assert first != second

            # Splits in the processed bucket, artifacts (model, config, data) in the artifacts one.
            processed = {
                o["Key"] for o in s3.list_objects_v2(Bucket=buckets["processed"])["Contents"]
            }
            for name in ("train", "test"):
                bucket, key = tags[f"data.{name}_uri"].removeprefix("s3://").split("/", 1)
                assert bucket == buckets["processed"] and key in processed
            artifacts = [
                o["Key"]
                for page in s3.get_paginator("list_objects_v2").paginate(
                    Bucket=buckets["artifacts"]
                )
                for o in page.get("Contents", [])
            ]
            assert any(k.endswith("/config.json") for k in artifacts), artifacts
            assert any(k.endswith("/model.skops") or "/models/" in k for k in artifacts), artifacts
            # The applied infrastructure as the run saw it: dev's state in its state bucket.
            state = json.loads(
                s3.get_object(Bucket=f"{slug}--dev-tfstate", Key=f"{slug}/dev/terraform.tfstate")[
                    "Body"
                ].read()
            )
            assert tags["infra.state_lineage"] == state["lineage"]
            assert tags["infra.state_serial"] == str(state["serial"])
            assert tags["git.dirty"] == "false" and len(tags["git.commit"]) == 40

            # Promote both runs to dev, then roll back to the first.
            assert "version 1" in cli("promote", first, "--to", "dev")
            assert "version 2" in cli("promote", second, "--to", "dev")
            rolled = cli("rollback", "--env", "dev")
            assert f"version 1 (run {first})" in rolled and "was version 2" in rolled
            assert "no earlier version" in cli.fails("rollback", "--env", "dev")
            assert "alias must be" in cli.fails("promote", first, "--to", "qa")

            # Serve what dev's alias names, and call it over HTTP.
            port = _free_port()
            server = subprocess.Popen(
                [
                    uv_executable(),
                    "run",
                    "--locked",
                    "--quiet",
                    slug,
                    "serve",
                    "--alias",
                    "dev",
                    "--port",
                    str(port),
                ],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                deadline = time.monotonic() + 120
                while True:
                    try:
                        status, health = _http(f"{base}/health")
                        break
                    except (urllib.error.URLError, ConnectionError):
                        assert server.poll() is None, server.stdout.read() if server.stdout else ""
                        assert time.monotonic() < deadline, "the model service did not start"
                        time.sleep(0.5)
                assert status == 200 and health["version"] == "1" and health["run_id"] == first
                row = _first_example_row(root)
                status, answer = _http(f"{base}/predict", {"rows": [row, row]})
                assert status == 200, answer
                assert len(answer["predictions"]) == 2
                assert answer["predictions"][0]["prediction"] in {"0", "1", "2"}
                status, refused = _http(f"{base}/predict", {"rows": [{**row, "alcohol": "lots"}]})
                assert status == 422 and refused["detail"].startswith("rows[0].alcohol:"), refused
                seen["prediction"] = answer["predictions"][0]
            finally:
                server.terminate()
                server.wait(timeout=30)

            # Training as a job: submitted to the emulator's SageMaker with the image built for
            # this commit (a stand-in manifest is pushed, as the emulator builds nothing), then
            # the job's own entry point run here with the job's exact arguments and environment.
            commit = tags["git.commit"]
            repository = outputs["repository_url"].split("/", 1)[1]
            ecr, sagemaker = (
                boto3.client(
                    service,
                    endpoint_url=emulator.endpoint,
                    region_name=env["AWS_DEFAULT_REGION"],
                    aws_access_key_id=admin_key,
                    aws_secret_access_key=admin_secret,
                )
                for service in ("ecr", "sagemaker")
            )
            assert "no image" in cli.fails("train", "--remote")
            manifest = json.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                    "config": {"digest": commit},
                    "layers": [],
                }
            )
            digest = ecr.put_image(
                repositoryName=repository, imageManifest=manifest, imageTag=commit
            )["image"]["imageId"]["imageDigest"]
            submitted = cli("train", "--remote", "--comment", "as a job").split("\n", 1)
            request = json.loads(submitted[1])
            job = sagemaker.describe_training_job(TrainingJobName=request["TrainingJobName"])
            image = f"{outputs['repository_url']}@{digest}"
            assert job["AlgorithmSpecification"]["TrainingImage"] == image
            assert job["RoleArn"] == outputs["training_role_arn"]
            assert job["AlgorithmSpecification"]["ContainerEntrypoint"] == [slug]
            arguments = job["AlgorithmSpecification"]["ContainerArguments"]
            assert arguments == ["train", "--config", "configs/dev.yaml", "--comment", "as a job"]
            assert request["Environment"]["CONTAINER_IMAGE"] == image
            # The container's entry point is the project's CLI: the same command, run here.
            job_run = _run_id(cli(*arguments, **request["Environment"]))
            listing = cli("runs", "--limit", "1", "--details").splitlines()
            assert listing[1].split()[0] == job_run
            job_tags = _tags(listing[2:])
            assert (job_tags["image"], job_tags["comment"]) == (image, "as a job")
            assert job_tags["infra.state_serial"] == tags["infra.state_serial"]
        finally:
            cli.close()
        timings["loop"] = time.monotonic() - started
        return [f"ML loop on {environment} in {timings['loop']:.1f}s"]

    with script.running_emulator() as emulator:
        result = script.cycle("dev", emulator, tmp_path / "scratch", None, False, loop)
        left = script.leftovers(emulator, slug, {script.account_for("dev", False)})
    print(f"\ndev applied, looped and destroyed in {result.seconds:.1f}s; {result.notes}")
    assert left == []
    assert seen["prediction"]["probabilities"]


def _run_id(train_output: str) -> str:
    """The id in `train`'s first line, `run <id> recorded in experiment ...`."""
    first = train_output.splitlines()[0].split()
    assert first[0] == "run" and len(first[1]) == 32, train_output
    return first[1]


def _tags(details: list[str]) -> dict[str, str]:
    """The `tag key = value` lines of `runs --details` for one run."""
    found = {}
    for line in details:
        kind, rest = line.split(maxsplit=1)
        if kind == "tag":
            key, value = rest.split(" = ", 1)
            found[key] = value
    return found


def _first_example_row(root: Path) -> dict[str, float]:
    """The first row of the project's example file (the features of its default dataset)."""
    header, first = (root / "examples" / "rows.csv").read_text(encoding="utf-8").splitlines()[:2]
    return {k: float(v) for k, v in zip(header.split(","), first.split(","), strict=True)}
