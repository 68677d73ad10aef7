"""Student code cannot change the grader or reach the worker: the Python installation, the runner's
directory and the project are read-only (or hidden) in the sandbox, and the sandbox has a PID namespace
of its own, so the worker's processes can be neither seen nor signalled nor have their environment
(the secrets) read. Checked both ways a worker starts the sandbox: as root (a sandbox uid per slot) and
as an ordinary user (a user namespace, the sandbox running as the worker's own uid)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig

import nbformat
import pytest
from django.conf import settings

from grading.sandbox import RUNNER, Limits, SandboxConfig, isolation_command, run_notebook

pytestmark = pytest.mark.engine

PROBE = """
import json, os
token, targets, name, worker = {token!r}, {targets!r}, {name!r}, {worker}
report = {{"wrote": [], "signalled": False, "seen": False, "environ": False}}
for target in targets:
    try:
        with open(os.path.join(target, name), "x") as fh:
            fh.write("written from the grading sandbox")
        report["wrote"].append(target)
    except OSError:
        pass
try:
    os.kill(worker, 0)
    report["signalled"] = True
except OSError:
    pass
for pid in filter(str.isdigit, os.listdir("/proc")):
    for part, key in (("cmdline", "seen"), ("environ", "environ")):
        try:
            with open(f"/proc/{{pid}}/{{part}}", "rb") as fh:
                if token.encode() in fh.read():
                    report[key] = True
        except OSError:
            pass
print("REPORT " + json.dumps(report))
"""

# The "worker" of the unprivileged case: sets Django up, runs the probe it reads on stdin in the
# sandbox (its own pid filled in as the worker to signal) and prints the cell's outputs.
UNPRIVILEGED_WORKER = """
import json, os, sys
import django
django.setup()
import nbformat
from grading.sandbox import Limits, SandboxConfig, run_notebook
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.cells.append(nbformat.v4.new_code_cell(sys.stdin.read().replace("WORKER_PID", str(os.getpid()))))
limits = Limits(notebook_seconds=120, cell_seconds=60)
executed = run_notebook(nb, limits=limits, config=SandboxConfig.from_settings())
print(json.dumps(executed.cells[0].outputs))
"""


@pytest.fixture
def probe_files():
    """Directories student code must not write to, and a file name no one else uses; any file the
    probe managed to write is removed afterwards (and reported by the test)."""
    candidates = [sys.prefix, sysconfig.get_paths()["purelib"], str(RUNNER.parent), str(settings.BASE_DIR)]
    targets = sorted({os.path.realpath(p) for p in candidates if os.path.isdir(p)})
    name = f".itl-sandbox-test-{secrets.token_hex(8)}"
    written = []
    yield targets, name, written
    for target in targets:
        path = os.path.join(target, name)
        if os.path.lexists(path):
            written.append(target)
            os.unlink(path)


def _report(outputs: list) -> dict:
    for output in outputs:
        for line in str(output.get("text", "")).splitlines():
            if line.startswith("REPORT "):
                return json.loads(line[len("REPORT ") :])
    raise AssertionError(f"the probe did not report: {outputs}")


def _left_on_disk(targets: list[str], name: str) -> list[str]:
    return [t for t in targets if os.path.lexists(os.path.join(t, name))]


def test_root_worker_sandbox_sees_no_process_and_writes_nothing(probe_files):
    """Started by a root worker: the sandbox sees no process outside it (a witness's command line and
    environment carry a token), cannot signal the worker and cannot write to the installation or the
    project."""
    if os.geteuid() != 0:
        pytest.skip("the root path needs root")
    if isolation_command() is None:
        pytest.skip("namespaces (unshare) are unavailable on this machine")
    targets, name, _ = probe_files
    token = secrets.token_hex(16)
    witness = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()", token],
        stdin=subprocess.PIPE,
        env={"PATH": os.environ["PATH"], "WITNESS": token},
    )
    try:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        source = PROBE.format(token=token, targets=targets, name=name, worker=os.getpid())
        nb.cells.append(nbformat.v4.new_code_cell(source))
        limits = Limits(notebook_seconds=120, cell_seconds=60)
        executed = run_notebook(nb, limits=limits, config=SandboxConfig.from_settings())
    finally:
        witness.kill()
        witness.wait()
        witness.stdin.close()
    report = _report(executed.cells[0].outputs)
    assert _left_on_disk(targets, name) == []
    assert report == {"wrote": [], "signalled": False, "seen": False, "environ": False}


def test_unprivileged_worker_sandbox_cannot_change_the_grader_or_reach_the_worker(probe_files):
    """Started by a worker running as an ordinary user (so the sandbox runs as that same uid, in a user
    namespace): writing a `.pth` file into the virtualenv, or changing the runner's directory or the
    project, fails; the worker can be neither signalled nor have its environment read."""
    unshare = shutil.which("unshare")
    if os.geteuid() == 0:
        if not unshare:
            pytest.skip("unshare is needed to act as an ordinary user")
        # Our own uid seen as 1000 in a user namespace: an ordinary user who owns the project.
        prefix = [unshare, "--user", "--map-user=1000", "--map-group=1000"]
    else:
        prefix = []
    targets, name, _ = probe_files
    token = secrets.token_hex(16)
    source = PROBE.format(token=token, targets=targets, name=name, worker="WORKER_PID")
    done = subprocess.run(
        [*prefix, sys.executable, "-c", UNPRIVILEGED_WORKER, token],
        input=source,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lms.settings.test",
            "GRADING_SANDBOX_REQUIRE_ISOLATION": "1",
            "WITNESS": token,
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 and "cannot isolate student code" in done.stderr:
        pytest.skip("user namespaces are unavailable to an ordinary user here")
    assert done.returncode == 0, done.stderr[-3000:]
    report = _report(json.loads(done.stdout.strip().splitlines()[-1]))
    assert _left_on_disk(targets, name) == []
    assert report == {"wrote": [], "signalled": False, "seen": False, "environ": False}
