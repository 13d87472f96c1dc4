"""`dayone check` fails, naming the failing check, when a generated repo is broken.

Each test clones a rendered project, plants one kind of breakage, commits it (pre-commit
checks tracked files) and runs the CLI as a user would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dayone.checks.apply import copy_infra
from dayone.cli import app
from tests.support.project import read_answers

Rendered = Callable[[str], tuple[Path, dict[str, str]]]

pytestmark = pytest.mark.slow


def _clone(project: Path, dest: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(project), str(dest)], check=True)
    return dest


def _commit(repo: Path, message: str) -> None:
    subprocess.run(["git", "add", "--all"], cwd=repo, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message],
        cwd=repo,
        check=True,
    )


def _check(project: Path, env: dict[str, str], *only: str) -> tuple[int, str]:
    args = ["check", str(project)]
    for prefix in only:
        args += ["--only", prefix]
    result = CliRunner().invoke(app, args, env=env)
    return result.exit_code, result.stdout + result.stderr


def test_unknown_only_prefix_is_a_one_line_error(tmp_path: Path) -> None:
    exit_code, output = _check(tmp_path, {}, "no-such-check")
    assert exit_code == 1
    assert output.strip().splitlines() == [output.strip()]
    assert "--only matches no check" in output


def test_a_failing_test_fails_the_check(rendered_project: Rendered, tmp_path: Path) -> None:
    project, env = rendered_project("cloud-none")
    clone = _clone(project, tmp_path / "failing-test")
    # The planted test alone: the project's own tests pass in its green check, and all of
    # them here (about 30 CPU-s) would prove nothing about how the check reports a failure.
    for module in (clone / "tests").glob("test_*.py"):
        module.unlink()
    (clone / "tests" / "test_planted.py").write_text(
        "def test_planted_failure() -> None:\n    assert 1 + 1 == 3\n"
    )
    _commit(clone, "Plant a failing test")
    exit_code, output = _check(clone, env, "uv sync", "pytest")
    assert exit_code == 1
    assert "FAIL" in output and "test_planted_failure" in output
    assert "1 check(s) failed: pytest" in output


def test_a_lint_error_fails_the_check(rendered_project: Rendered, tmp_path: Path) -> None:
    project, env = rendered_project("cloud-none")
    clone = _clone(project, tmp_path / "lint-error")
    package = read_answers(clone)["package_name"]
    (clone / "src" / package / "planted.py").write_text(
        '"""Planted."""\n\n\ndef untyped(value):\n    return value == None\n'
    )
    _commit(clone, "Plant a lint error")
    exit_code, output = _check(clone, env, "uv sync", "pre-commit")
    assert exit_code == 1
    assert "1 check(s) failed: pre-commit (all files)" in output


def test_a_broken_terraform_file_fails_the_check(
    rendered_project: Rendered, tmp_path: Path
) -> None:
    project, env = rendered_project("defaults")
    clone = _clone(project, tmp_path / "broken-terraform")
    stack = clone / "infra" / "stack" / "main.tf"
    stack.write_text(stack.read_text().replace('module "data_lake" {', 'module "data_lake" {{', 1))
    _commit(clone, "Break the stack")
    exit_code, output = _check(clone, env, "terraform fmt", "terraform validate")
    assert exit_code == 1
    assert "check(s) failed: terraform fmt, terraform validate (envs, bootstrap)" in output
    assert "== envs/dev" in output  # make infra-validate names the root that failed


def test_a_security_regression_fails_checkov(rendered_project: Rendered, tmp_path: Path) -> None:
    project, env = rendered_project("defaults")
    clone = _clone(project, tmp_path / "public-bucket")
    module = clone / "infra" / "modules" / "data_lake" / "main.tf"
    module.write_text(
        module.read_text().replace(
            "block_public_acls       = true", "block_public_acls       = false"
        )
    )
    _commit(clone, "Allow public ACLs")
    exit_code, output = _check(clone, env, "checkov")
    assert exit_code == 1
    assert "1 check(s) failed: checkov (infra/)" in output


def test_a_resource_the_cloud_refuses_fails_the_emulated_apply(
    rendered_project: Rendered, tmp_path: Path
) -> None:
    """Plan and validate accept tag keys that differ only by case; IAM refuses them on
    apply. Planted in the bootstrap, the first root applied, so the failure comes early."""
    project, env = rendered_project("defaults")
    clone = _clone(project, tmp_path / "duplicate-tags")
    (clone / "infra" / "bootstrap" / "planted.tf").write_text(
        'resource "aws_iam_role" "planted" {\n'
        '  name               = "planted-duplicate-tags"\n'
        '  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "codebuild.amazonaws.com" } }] })\n'
        '  tags               = { Environment = "dev" } # the provider adds environment = "dev"\n'
        "}\n"
    )
    _commit(clone, "Plant tag keys that differ only by case")
    exit_code, output = _check(clone, env, "uv sync", "terraform apply")
    assert exit_code == 1
    assert "1 check(s) failed: terraform apply+destroy, emulated" in output
    assert "Duplicate tag keys" in output
    # Whatever was applied before the failure was destroyed again.
    assert "left in the emulator after destroy: 0 resource(s)" in output, output


def test_an_unchanged_step_is_not_run_again(rendered_project: Rendered, tmp_path: Path) -> None:
    project, env = rendered_project("cloud-none")
    clone = _clone(project, tmp_path / "cache")
    env = {**env, "DAYONE_CHECK_CACHE": str(tmp_path / "check-cache")}
    first = _check(clone, env, "CI files")
    second = _check(clone, env, "CI files")
    assert first[0] == second[0] == 0
    assert "cached" not in first[1] and "(unchanged since it passed: cached)" in second[1]
    workflow = clone / ".github" / "workflows" / "ci.yml"
    workflow.write_text(workflow.read_text() + "# a change\n")
    changed = _check(clone, env, "CI files")
    assert changed[0] == 0 and "cached" not in changed[1]
    forced = CliRunner().invoke(
        app, ["check", str(clone), "--only", "CI files", "--no-cache"], env=env
    )
    assert forced.exit_code == 0 and "cached" not in forced.stdout


def test_a_checker_missing_offline_is_named_with_the_fix(
    rendered_project: Rendered, tmp_path: Path
) -> None:
    """Offline, with a pinned checker uv has never cached, the step fails saying so."""
    project, env = rendered_project("cloud-none")
    clone = _clone(project, tmp_path / "uncached")
    makefile = clone / "Makefile"
    text = makefile.read_text()
    makefile.write_text(re.sub(r"check-jsonschema==[0-9.]+", "check-jsonschema==0.28.0", text))
    _commit(clone, "Pin a checker release uv has not cached")
    exit_code, output = _check(clone, {**env, "UV_OFFLINE": "1"}, "CI files")
    assert exit_code == 1
    assert "check-jsonschema==0.28.0" in output
    assert "not in uv's cache and PyPI cannot be reached" in output
    # doctor's own fix for that checker, ready to paste
    assert "tool run --from check-jsonschema==0.28.0 python -c pass" in output


def test_no_provider_mirror_offline_prints_doctors_fix(
    rendered_project: Rendered, tmp_path: Path
) -> None:
    """No DAYONE_TF_MIRROR, no implied mirror, and the registry unreachable (a proxy on a
    closed port makes it so on any machine): each Terraform step fails, and says what to do."""
    project, env = rendered_project("defaults")
    home = tmp_path / "home"  # no ~/.terraform.d/plugins, no ~/.terraformrc
    home.mkdir()
    offline: dict[str, str | None] = {
        **env,
        "DAYONE_TF_MIRROR": None,
        "TF_CLI_CONFIG_FILE": None,
        "HOME": str(home),
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
    }
    result = CliRunner().invoke(
        app, ["check", str(project), "--only", "terraform validate", "--no-cache"], env=offline
    )
    output = result.stdout + result.stderr
    assert result.exit_code == 1
    assert "could not connect to registry.terraform.io" in output
    hint = next(line for line in output.splitlines() if "Terraform could not reach" in line)
    assert "`dayone doctor`" in hint and "export DAYONE_TF_MIRROR=" in hint, hint


# ---- the generated `make check`: the same judgement as dayone check -----------------------

PLANTED_TARGETS = (
    "\nplanted-noop:\n\t@echo nothing written\n"
    "\nplanted-writer:\n\techo report > report.txt\n\techo appended >> README.md\n"
)


def _make(project: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_make_check_blames_the_checks_not_the_users_edits(
    rendered_project: Rendered, tmp_path: Path
) -> None:
    """Uncommitted edits (the Makefile's own planted targets among them) pass `make check`;
    a step that writes into the tree fails it, naming only what the step wrote."""
    project, _env = rendered_project("cloud-none")
    clone = _clone(project, tmp_path / "make-check")
    package = read_answers(clone)["package_name"]
    with (clone / "Makefile").open("a", encoding="utf-8") as makefile:
        makefile.write(PLANTED_TARGETS)
    module = clone / "src" / package / "preprocess.py"
    module.write_text(module.read_text(encoding="utf-8").replace('"""', '"""Edited. ', 1))
    (clone / "notes.txt").write_text("ideas\n", encoding="utf-8")

    passed, output = _make(clone, "check", "CHECKS=planted-noop")
    assert passed == 0, output
    assert output.splitlines()[-1] == "make check: every check passed (planted-noop)", output

    failed, output = _make(clone, "check", "CHECKS=planted-writer")
    assert failed != 0
    assert "every check passed" not in output, output
    named = [line for line in output.splitlines() if line[:2] in ("A ", "M ", "D ")]
    assert named == ["M README.md", "A report.txt"], output


def test_make_targets_ignore_a_virtualenv_active_in_the_shell(
    rendered_project: Rendered, tmp_path: Path
) -> None:
    """A project made from a shell where dayone's virtualenv is active: uv would warn on every
    command that VIRTUAL_ENV is not the project's environment; make drops it."""
    project, env = rendered_project("cloud-none")
    clone = _clone(project, tmp_path / "active-venv")
    foreign = {**os.environ, **env, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)}
    code, output = _make(clone, "setup", env=foreign)
    assert code == 0, output
    assert "does not match the project environment path" not in output, output


def test_module_tests_that_passed_are_not_run_again_until_a_module_changes(
    rendered_project: Rendered, tmp_path: Path
) -> None:
    """`make infra-test` remembers a pass under a hash of the modules and terraform: run again
    on the same modules it says so and runs nothing; a module edit, another terraform or
    FORCE=1 runs the tests; a failure is not remembered; the tree stays as it was."""
    project, _env = rendered_project("defaults")
    clone = _clone(project, tmp_path / "module-tests")
    # A terraform that logs each command and fails `test` while FAIL_TEST is set: the make
    # logic is what is tested here; the modules' real tests run in every AWS project's check.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "terraform.log"
    fake = bin_dir / "terraform"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{log}"\n'
        'case "$*" in\n'
        '  version*) echo "{\\"terraform_version\\": \\"${FAKE_VERSION:-1.0.0}\\"}" ;;\n'
        '  *" test"*) [ -z "$FAIL_TEST" ] || exit 1 ;;\n'
        "esac\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("DAYONE_TF_MIRROR", None)
    env.pop("PASSED_DIR", None)  # the suite shares one (tests/conftest.py): the default here

    def module_tests(*args: str, where: Path | None = None, **extra: str) -> tuple[int, str, int]:
        log.write_text("", encoding="utf-8")
        code, output = _make(where or clone, "infra-test", *args, env={**env, **extra})
        runs = sum(line.endswith(" test") for line in log.read_text().splitlines())
        return code, output, runs

    modules = len(list((clone / "infra" / "modules").glob("*/tests")))
    assert modules >= 5
    assert module_tests(FAIL_TEST="1")[0] != 0  # a failure is not remembered
    code, output, runs = module_tests()
    assert (code, runs) == (0, modules), output
    code, output, runs = module_tests()
    assert (code, runs) == (0, 0), output
    assert "infra-test: passed before on these exact inputs" in output and "FORCE=1" in output
    assert module_tests("FORCE=1")[2] == modules
    assert module_tests(FAKE_VERSION="1.0.1")[2] == modules  # another terraform
    variables = clone / "infra" / "modules" / "data_lake" / "variables.tf"
    variables.write_text(variables.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert module_tests()[2] == modules  # an uncommitted edit of a module
    assert module_tests()[2] == 0
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout.rstrip("\n") == " M infra/modules/data_lake/variables.tf"
    assert list((clone / ".make-passed").iterdir())  # the default place, git-ignored

    # PASSED_DIR elsewhere: a pass there serves another clone of the same modules.
    subprocess.run(["git", "checkout", "--quiet", "--", "infra/modules"], cwd=clone, check=True)
    shared = tmp_path / "shared-passes"
    other = _clone(project, tmp_path / "other-clone")
    assert module_tests(PASSED_DIR=str(shared))[2] == modules  # nothing remembered there yet
    assert module_tests(where=other, PASSED_DIR=str(shared))[2] == 0
    assert module_tests(where=other)[2] == modules  # its own .make-passed/ knew nothing
    # Outside git (dayone check runs the target in a copy of Makefile and infra/), the same
    # files make the same key: the copy finds the clones' pass, and leaves its own.
    exported = tmp_path / "exported"
    copy_infra(clone / "infra", exported / "infra")
    shutil.copy2(clone / "Makefile", exported / "Makefile")
    for module in (exported / "infra" / "modules").glob("*/"):  # what a module's init leaves
        (module / ".terraform.lock.hcl").write_text("# lock\n", encoding="utf-8")
    assert module_tests(where=exported, PASSED_DIR=str(shared))[2] == 0
    assert module_tests(where=exported, PASSED_DIR=str(tmp_path / "none-yet"))[2] == modules
    assert module_tests(where=other, PASSED_DIR=str(tmp_path / "none-yet"))[2] == 0


def test_infrastructure_checks_that_passed_run_again_only_when_what_they_read_changes(
    rendered_project: Rendered, tmp_path: Path
) -> None:
    """Day two's `make check` after an edit of the code: the Terraform steps remember a pass
    under a hash of what they read (infra/ but VERSION, the Makefile, terraform; the emulated
    apply and the IAM scan the locked packages too). An edit of the code or of infra/VERSION
    (what every template update rewrites) runs none of them again; an edit of infra/ runs them
    all, another locked version the two emulated ones; records asked for (OUT_DIR) are made
    anyway; a failure is not remembered; the tree keeps the user's edits and nothing else."""
    project, _env = rendered_project("defaults")
    clone = _clone(project, tmp_path / "infra-passes")
    package = read_answers(clone)["package_name"]
    # Stand-ins that log each command: terraform (validate), and uv, which runs checkov,
    # the emulated apply and the IAM scan; uv fails while FAIL_UV is set. What is tested is
    # the Makefile's logic; the real steps run in every AWS project's check.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "commands.log"
    for tool, body in {
        "terraform": 'case "$*" in version*) echo "{}" ;; esac\n',
        "uv": '[ -z "$FAIL_UV" ] || exit 1\n',
    }.items():
        (bin_dir / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\n{body}', "utf-8")
        (bin_dir / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("DAYONE_TF_MIRROR", None)
    env.pop("PASSED_DIR", None)  # the suite shares one (tests/conftest.py): the default here
    marks = {
        "infra-validate": "terraform -chdir=infra/bootstrap validate",
        "infra-scan": "checkov --directory infra",
        "infra-local": "infra/local/apply_destroy.py --env dev",
        "infra-iam-scan": "infra/local/iam_scan.py",
    }

    def ran(*args: str, **extra: str) -> set[str]:
        """The steps that ran their command (each must exit 0 unless FAIL_UV is set)."""
        log.write_text("", encoding="utf-8")
        code, output = _make(clone, *marks, *args, env={**env, **extra})
        assert (code == 0) == ("FAIL_UV" not in extra), output
        said = log.read_text(encoding="utf-8")
        steps = {target for target, mark in marks.items() if mark in said}
        for target in set(marks) - steps:
            if code == 0:
                assert f"{target}: passed before on these exact inputs" in output, output
        return steps

    everything = set(marks)
    emulated = {"infra-local", "infra-iam-scan"}
    assert ran("-k", FAIL_UV="1") == everything  # uv's steps failed, validate passed
    assert ran() == everything - {"infra-validate"}  # what failed was not remembered
    assert ran() == set()
    module = clone / "src" / package / "preprocess.py"
    module.write_text(module.read_text(encoding="utf-8") + "# day two\n", encoding="utf-8")
    version = clone / "infra" / "VERSION"
    version.write_text("9.9.9\n", encoding="utf-8")
    assert ran() == set()  # the code and the template release are not what these read
    assert ran("OUT_DIR=" + str(tmp_path / "records")) == emulated  # records asked for
    assert ran("FORCE=1") == everything
    lock = clone / "uv.lock"
    locked = lock.read_text(encoding="utf-8")
    assert '\nname = "moto"\nversion = "' in locked
    lock.write_text(
        locked.replace('\nname = "moto"\nversion = "', '\nname = "moto"\nversion = "9', 1)
    )
    assert ran() == emulated  # another moto
    assert ran() == set()
    stack = clone / "infra" / "stack" / "main.tf"
    stack.write_text(stack.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert ran() == everything  # an edit of the infrastructure
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=clone, capture_output=True, text=True, check=True,
    ).stdout.split("\n")  # fmt: skip
    assert sorted(filter(None, status)) == [
        " M infra/VERSION",
        " M infra/stack/main.tf",
        f" M src/{package}/preprocess.py",
        " M uv.lock",
    ]
