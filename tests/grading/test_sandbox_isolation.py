"""The sandbox fails closed: production requires isolation, a sandbox that cannot create its namespaces
refuses to run student code (the submission fails with a clear error), and the start-up self-test of a
grading worker catches a sandbox that is not confined."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys

import nbformat
import pytest
from django.conf import settings
from nbclient import NotebookClient

from grading import sandbox
from grading.engines.fork_engine import ForkEngine
from grading.engines.nbgrader_engine import NbgraderEngine
from grading.sandbox import IsolationReport, SandboxConfig, SandboxError, isolation_command, run_notebook
from tests.factories import demo_notebook
from tests.grading import notebooks
from tests.services import unavailable

UNSHARE_DENIED = "#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n"


@pytest.fixture
def no_namespaces(tmp_path, monkeypatch):
    """A machine where `unshare` exists but cannot create namespaces (a container without the rights)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "unshare"
    fake.write_text(UNSHARE_DENIED)
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    sandbox.isolation_status.cache_clear()
    yield
    sandbox.isolation_status.cache_clear()


def _notebook(source: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_code_cell(source))
    return nb


def _production_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "GRADING_"))}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgres://lyceum@127.0.0.1:1/lyceum",
        "ALLOWED_HOSTS": "portal.example",
        "OIDC_RSA_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nnot-used\n-----END PRIVATE KEY-----",
        "EMAIL_URL": "smtp+tls://portal@mail.example:587",
        "REDIS_URL": "redis://redis.example:6379/0",
        **extra,
    }


def _production_setting(**extra: str) -> subprocess.CompletedProcess:
    code = "from django.conf import settings; print(settings.GRADING_SANDBOX_REQUIRE_ISOLATION)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env=_production_env(**extra),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_require_isolation():
    """Production settings require an isolated sandbox by default, and refuse to start when told not to."""
    done = _production_setting()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
    refused = _production_setting(GRADING_SANDBOX_REQUIRE_ISOLATION="0")
    assert refused.returncode != 0
    assert "GRADING_SANDBOX_REQUIRE_ISOLATION cannot be turned off in production" in refused.stderr


@pytest.mark.engine
def test_without_namespaces_the_sandbox_runs_nothing(no_namespaces, tmp_path):
    """When `unshare` cannot create the namespaces, a sandbox configured without settings (isolation
    required by default) refuses: the student's code never runs, not even as an unprivileged uid."""
    drop = tmp_path / "drop"
    drop.mkdir()
    drop.chmod(0o777)
    marker = drop / "ran-unconfined"
    assert isolation_command() is None
    with pytest.raises(SandboxError, match="cannot isolate student code"):
        run_notebook(_notebook(f"open({str(marker)!r}, 'w').write('x')"))
    assert not marker.exists()


@pytest.mark.engine
@pytest.mark.parametrize("engine_class", [NbgraderEngine, ForkEngine], ids=["nbgrader", "fork"])
def test_without_namespaces_a_required_sandbox_fails_the_submission_clearly(
    no_namespaces, settings, engine_class, caplog
):
    """With isolation required and unavailable, grading ends as an error with no score (with either
    engine: a fork server already running does not change that). The learner reads that the fault is
    on the grader's side; the operators' log says why."""
    settings.GRADING_SANDBOX_REQUIRE_ISOLATION = True
    engine = engine_class(sandbox_config=SandboxConfig.from_settings())
    with caplog.at_level("ERROR"):
        result = engine.grade(source=demo_notebook(), submission=notebooks.solved())
    assert result.status == "error"
    assert result.error == sandbox.learner_message(SandboxError("unavailable"))
    assert "cannot isolate student code" in caplog.text
    assert result.score == 0.0


def test_self_test_fails_without_namespaces(no_namespaces):
    """The self-test reports a sandbox without namespaces as not isolated, with unshare's reason."""
    report = sandbox.self_test()
    assert not report.ok
    assert "Operation not permitted" in report.reason


@pytest.mark.engine
@pytest.mark.parametrize("engine_class", [NbgraderEngine, ForkEngine], ids=["nbgrader", "fork"])
def test_self_test_passes_on_an_isolated_sandbox(engine_class):
    """On a machine where the namespaces work, the probe finds nothing to report, run through either
    engine's sandbox (the fork engine's: a child of the zygote): among the rest, it holds no capability
    and can neither unmount a hidden directory's cover nor remount the Python installation read-write."""
    if isolation_command() is None:
        unavailable("namespaces (unshare) are unavailable on this machine")
    report = sandbox.self_test(run=engine_class().run_cells)
    assert report == IsolationReport(ok=True, problems=[])


@pytest.mark.engine
def test_self_test_catches_a_sandbox_that_confines_nothing(monkeypatch, tmp_path):
    """Run with no confinement at all (the notebook executed as the worker), the probe reports each
    leak: the worker's loopback reached, the witness's secret environment read, the directory written,
    the capabilities held when the worker is root; and the network interfaces when the machine has
    any besides loopback."""

    def unconfined(nb, **kwargs):
        return NotebookClient(nb, timeout=30, kernel_name="python3").execute()

    monkeypatch.setattr(sandbox, "isolation_status", lambda: (["unconfined"], ""))
    monkeypatch.setattr(sandbox, "run_notebook", unconfined)
    target = tmp_path / "project"
    target.mkdir()
    report = sandbox.self_test(targets=[str(target)])
    assert not report.ok
    assert "the sandbox reached a port on the worker's loopback interface" in report.problems
    assert "the sandbox can read the environment (the secrets) of the worker's processes" in report.problems
    assert f"the sandbox can write to {target}" in report.problems
    if os.geteuid() == 0:
        assert any(p.startswith("the sandbox holds capabilities (CapEff ") for p in report.problems)
    assert list(target.iterdir()) == []  # what the probe wrote is removed again
    if any(name != "lo" for _, name in socket.if_nameindex()):
        assert any(p.startswith("the sandbox has network interfaces") for p in report.problems)
