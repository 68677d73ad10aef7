"""Student code cannot change the grader or reach the worker: the Python installation, the runner's
directory and the project are read-only (or hidden) in the sandbox, and the sandbox has a PID namespace
of its own, so the worker's processes can be neither seen nor signalled nor have their environment
(the secrets) read. Checked both ways a worker starts the sandbox: as root (a sandbox uid per slot) and
as an ordinary user (a user namespace, the sandbox running as the worker's own uid). Either way student
code holds no capability and cannot undo the sandbox's mounts: unmounting the empty file system that
covers a hidden directory, or remounting a read-only bind read-write, fails."""

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
from tests.services import unavailable

pytestmark = pytest.mark.engine

PROBE = """
import ctypes, ctypes.util, json, os
token, targets, name, worker = {token!r}, {targets!r}, {name!r}, {worker}
covers, binds = {covers!r}, {binds!r}
report = {{"wrote": [], "signalled": False, "seen": False, "environ": False}}
libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
with open("/proc/self/status") as fh:
    report["capeff"] = next(int(l.split()[1], 16) for l in fh if l.startswith("CapEff:"))
with open("/proc/self/mountinfo") as fh:
    points = {{line.split()[4] for line in fh}}
report["covered"] = sorted(p for p in covers if p in points)
# Innermost first, detaching lazily (MNT_DETACH): the strongest unmount there is.
report["unmounted"] = [p for p in sorted(covers, key=len, reverse=True) if libc.umount2(p.encode(), 2) == 0]
report["remounted"] = []
kept = ((os.ST_NOSUID, 2), (os.ST_NODEV, 4), (os.ST_NOEXEC, 8), (os.ST_NOATIME, 1024),
        (os.ST_NODIRATIME, 2048), (os.ST_RELATIME, 1 << 21))
for path in binds:
    # MS_REMOUNT | MS_BIND without MS_RDONLY, repeating the flags a user namespace may not clear.
    flags = 32 | 4096 | sum(ms for st, ms in kept if os.statvfs(path).f_flag & st)
    if libc.mount(b"none", path.encode(), None, flags, None) == 0:
        report["remounted"].append(path)
report["umount_command"] = os.system("umount -l " + " ".join(covers) + " 2>/dev/null") == 0
report["remount_command"] = os.system("mount -o remount,bind,rw " + binds[0] + " 2>/dev/null") == 0
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


# The self-test of a worker running as an ordinary user: prints the report as JSON.
UNPRIVILEGED_SELF_TEST = """
import json
import django
django.setup()
from grading.sandbox import self_test
print(json.dumps(self_test().problems))
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


def _covers() -> list[str]:
    """The hidden directories of the settings that exist here and lie in no other one: in the sandbox
    each is covered by an empty file system of its own (the ones inside are gone with their parent)."""
    hidden = {os.path.realpath(p) for p in SandboxConfig.from_settings().hide if os.path.isdir(p)}
    return sorted(p for p in hidden if not any(p.startswith(q.rstrip("/") + "/") for q in hidden))


def _binds() -> list[str]:
    """The directories the sandbox binds back read-only: the Python installation and the runner's."""
    return sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, str(RUNNER.parent))})


def _probe(token: str, targets: list[str], name: str, worker) -> str:
    return PROBE.format(
        token=token, targets=targets, name=name, worker=worker, covers=_covers(), binds=_binds()
    )


CONFINED = {
    "wrote": [],
    "signalled": False,
    "seen": False,
    "environ": False,
    "capeff": 0,
    "unmounted": [],
    "remounted": [],
    "umount_command": False,
    "remount_command": False,
}


def _left_on_disk(targets: list[str], name: str) -> list[str]:
    return [t for t in targets if os.path.lexists(os.path.join(t, name))]


def test_root_worker_sandbox_sees_no_process_and_writes_nothing(probe_files):
    """Started by a root worker: the sandbox sees no process outside it (a witness's command line and
    environment carry a token), cannot signal the worker and cannot write to the installation or the
    project."""
    if os.geteuid() != 0:
        unavailable("the root path needs root")
    if isolation_command() is None:
        unavailable("namespaces (unshare) are unavailable on this machine")
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
        source = _probe(token, targets, name, os.getpid())
        nb.cells.append(nbformat.v4.new_code_cell(source))
        limits = Limits(notebook_seconds=120, cell_seconds=60)
        executed = run_notebook(nb, limits=limits, config=SandboxConfig.from_settings())
    finally:
        witness.kill()
        witness.wait()
        witness.stdin.close()
    report = _report(executed.cells[0].outputs)
    assert _left_on_disk(targets, name) == []
    assert report.pop("covered") == _covers()
    assert report == CONFINED


def _as_ordinary_user() -> list[str]:
    """The command prefix that runs a worker as an ordinary user (uid 1000, owning the project)."""
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if not unshare:
        unavailable("unshare is needed to act as an ordinary user")
    # Our own uid seen as 1000 in a user namespace: an ordinary user who owns the project.
    return [unshare, "--user", "--map-user=1000", "--map-group=1000"]


def test_unprivileged_worker_self_test_passes():
    """The self-test of a worker running as an ordinary user finds nothing: in particular its probe
    holds no capability and cannot unmount a hidden directory's cover or remount the Python
    installation read-write (which root of the sandbox's own user namespace could)."""
    done = subprocess.run(
        [*_as_ordinary_user(), sys.executable, "-c", UNPRIVILEGED_SELF_TEST],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lms.settings.test",
            "GRADING_SANDBOX_REQUIRE_ISOLATION": "1",
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    problems = json.loads(done.stdout.strip().splitlines()[-1])
    if any(p.startswith("no isolation") for p in problems):
        unavailable(f"user namespaces are unavailable to an ordinary user here: {problems}")
    assert problems == []


def test_unprivileged_worker_sandbox_cannot_change_the_grader_or_reach_the_worker(probe_files):
    """Started by a worker running as an ordinary user (so the sandbox runs as that same uid, in a user
    namespace): writing a `.pth` file into the virtualenv, or changing the runner's directory or the
    project, fails; the worker can be neither signalled nor have its environment read."""
    prefix = _as_ordinary_user()
    targets, name, _ = probe_files
    token = secrets.token_hex(16)
    source = _probe(token, targets, name, "WORKER_PID")
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
        unavailable("user namespaces are unavailable to an ordinary user here")
    assert done.returncode == 0, done.stderr[-3000:]
    report = _report(json.loads(done.stdout.strip().splitlines()[-1]))
    assert _left_on_disk(targets, name) == []
    assert report.pop("covered") == _covers()
    assert report == CONFINED
