"""infra/local/apply_destroy.py of the template, without an emulator: its long steps report
their progress (issue 20: `make infra-local` printed nothing for 80 s)."""

from __future__ import annotations

import importlib.util
import os
import stat
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.project import REPO_ROOT

LOCAL = REPO_ROOT / "template" / "{% if cloud == 'aws' %}infra{% endif %}" / "local"


def _load() -> ModuleType:
    sys.path.insert(0, str(LOCAL))
    spec = importlib.util.spec_from_file_location(
        "template_apply_destroy", LOCAL / "apply_destroy.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


FAKE_APPLY = """#!{python}
import sys, time
print("Plan: 3 to add, 0 to change, 0 to destroy.", flush=True)
print('module.a.aws_s3_bucket.this["raw"]: Creation complete after 0s [id=x]', flush=True)
for second in range(1, 4):
    time.sleep(0.2)
    print(f'module.a.aws_s3_bucket_lifecycle_configuration.this["raw"]: Still creating... [{{second}}0s elapsed]', flush=True)
print('module.a.aws_s3_bucket_lifecycle_configuration.this["raw"]: Creation complete after 55s', flush=True)
sys.exit({code})
"""


@pytest.mark.parametrize("code", [0, 1])
def test_a_long_terraform_step_reports_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    script = _load()
    monkeypatch.setattr(script, "PROGRESS_SECONDS", 0.1)
    fake = tmp_path / "terraform"
    fake.write_text(FAKE_APPLY.format(python=sys.executable, code=code))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    runner = script.Terraform(env, "dev")
    if code:
        with pytest.raises(script.Failed):
            runner(tmp_path, "apply", "plan.tfplan", phase="apply")
    else:
        runner(tmp_path, "apply", "plan.tfplan", phase="apply")
    lines = [
        line for line in capsys.readouterr().out.splitlines() if line.startswith("  dev: apply:")
    ]
    assert len(lines) >= 3, lines
    assert any("of 3 resources done" in line for line in lines), lines
    assert any(
        'waiting on module.a.aws_s3_bucket_lifecycle_configuration.this["raw"]' in line
        for line in lines
    ), lines


def test_a_step_without_a_phase_stays_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: quick commands (output, state list) print nothing of their own."""
    script = _load()
    monkeypatch.setattr(script, "PROGRESS_SECONDS", 0.1)
    fake = tmp_path / "terraform"
    fake.write_text(FAKE_APPLY.format(python=sys.executable, code=0))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    script.Terraform(env, "dev")(tmp_path, "output", "-json")
    assert "dev:" not in capsys.readouterr().out
