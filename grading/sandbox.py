"""Runs a notebook in a confined child process (see `grading/sandbox_runner.py` for the child's side).

The parent (a long-lived worker) builds a job holding only the sanitised submission and the data files
the tests need — never the instructor source, other submissions or a gradebook — and starts the runner
with an empty environment apart from a few harmless variables, in new network, mount and PID namespaces
(`unshare`), under a per-slot unprivileged uid when running as root (in a new user namespace, as the
worker's own uid, otherwise: the PID namespace keeps the worker's processes out of its reach, and the
Python installation is read-only in the sandbox). It enforces a wall-clock limit for
the whole notebook (the runner enforces one per cell), reads at most a capped amount of output, kills
everything the sandbox uid left behind, and then checks what came back: the returned notebook must
have exactly the cells it was given, with the same sources and types; only outputs are taken from it.

Isolation (new user — when not root —, mount, network and PID namespaces) is required when
`GRADING_SANDBOX_REQUIRE_ISOLATION` is true (always in production): without it `run_notebook` refuses
to run anything. `self_test` checks, with a probe notebook, that a sandbox started here really is
confined; a grading worker runs it at start (`grading.worker`).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import nbformat
import psutil
from nbformat import NotebookNode

logger = logging.getLogger(__name__)
RUNNER = Path(__file__).with_name("sandbox_runner.py")
# Slots (and so sandbox uids) are shared by every grader on the machine, whatever its checkout: one
# lock directory for all of them, or two graders would kill each other's sandboxes.
DEFAULT_SLOT_DIR = "/run/itl-grading-sandbox" if os.access("/run", os.W_OK) else "/tmp/itl-grading-sandbox"  # noqa: S108


class SandboxError(RuntimeError):
    """The sandboxed run did not produce a usable notebook. `reason` names the failures a learner can do
    something about — "timeout" (the whole notebook), "cell_timeout", "too_large" (output) — with the
    limit in `seconds`; anything else ("") is on the grader's side. The message is for the log."""

    def __init__(self, message: str, *, reason: str = "", seconds: float | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.seconds = seconds


def learner_message(exc: SandboxError) -> str:
    """What the learner reads about a failed run: a whole sentence in their language, saying what to do."""
    from django.utils.translation import gettext as _

    seconds = {"seconds": f"{exc.seconds:g}" if exc.seconds is not None else "?"}
    if exc.reason == "timeout":
        return (
            _(
                "The notebook ran longer than %(seconds)s seconds in all and was stopped. "
                "Look for an endless loop or a very long computation."
            )
            % seconds
        )
    if exc.reason == "cell_timeout":
        return (
            _(
                "A cell ran longer than %(seconds)s seconds and was stopped. "
                "Look for an endless loop or a very long computation."
            )
            % seconds
        )
    if exc.reason == "too_large":
        return _("The notebook printed more than the grader accepts. Print less: only the results, say.")
    logger.warning("grading failed on the grader's side: %s", exc)
    return _("The grader could not run this notebook. A teacher can have it graded again.")


@dataclass
class Limits:
    notebook_seconds: float = 120
    cell_seconds: int = 30
    cpu_seconds: int = 60
    memory_bytes: int = 1536 * 1024 * 1024
    file_bytes: int = 16 * 1024 * 1024
    processes: int = 64
    open_files: int = 256
    output_bytes: int = 1024 * 1024
    result_bytes: int = 32 * 1024 * 1024
    tmpfs_bytes: int = 64 * 1024 * 1024

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(**getattr(settings, "GRADING_SANDBOX_LIMITS", {}))

    @classmethod
    def from_settings_or_default(cls) -> Limits:
        return cls.from_settings() if _django_configured() else cls()


@dataclass
class SandboxConfig:
    uid_base: int = 63000
    slots: int = 32
    slot_dir: str = ""

    def __post_init__(self) -> None:
        self.slot_dir = self.slot_dir or DEFAULT_SLOT_DIR

    hide: list[str] = field(default_factory=list)
    # Refuse to run student code without namespaces (see the module docstring). Only a development
    # machine may turn this off, and then student code runs with the worker's view of the machine.
    require_isolation: bool = True

    @classmethod
    def from_settings(cls) -> SandboxConfig:
        from django.conf import settings

        hide = [
            str(settings.PRIVATE_MEDIA_ROOT),
            str(settings.MEDIA_ROOT),
            str(settings.VAR_DIR),
            str(settings.BASE_DIR / ".env"),
            # The project itself (its instructor notebooks included); the Python installation and
            # the runner inside it are bound back read-only by the runner.
            str(settings.BASE_DIR),
            str(settings.BASE_DIR / "demo" / "notebooks"),
            "/root",
            "/home",
            "/etc/ssh",
        ]
        hide += list(getattr(settings, "GRADING_SANDBOX_HIDE", []))
        return cls(
            uid_base=getattr(settings, "GRADING_SANDBOX_UID_BASE", 63000),
            slots=getattr(settings, "GRADING_SANDBOX_SLOTS", 32),
            slot_dir=str(getattr(settings, "GRADING_SANDBOX_SLOT_DIR", "") or DEFAULT_SLOT_DIR),
            hide=hide,
            require_isolation=getattr(settings, "GRADING_SANDBOX_REQUIRE_ISOLATION", True),
        )

    @classmethod
    def from_settings_or_default(cls) -> SandboxConfig:
        return cls.from_settings() if _django_configured() else cls()


def _django_configured() -> bool:
    try:
        from django.conf import settings

        return settings.configured
    except ImportError:
        return False


@cache
def isolation_status() -> tuple[list[str] | None, str]:
    """The `unshare` prefix that starts a command in new network, mount and PID namespaces here (with
    a /proc of its own; a new user namespace too when not root), or None with the reason it cannot."""
    unshare = shutil.which("unshare")
    if not unshare:
        return None, "the unshare command is not installed"
    prefix = [unshare, "--net", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        prefix = [unshare, "--user", "--map-root-user", *prefix[1:]]
    # --kill-child: when the worker kills unshare (a timeout), the namespace's first process dies and
    # the kernel kills everything else in the namespace with it.
    prefix += ["--pid", "--fork", "--kill-child", "--mount-proc"]
    try:
        done = subprocess.run([*prefix, "true"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"unshare could not be run: {type(exc).__name__}"
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, f"unshare cannot create the namespaces: {detail[-1] if detail else done.returncode}"
    return prefix, ""


def isolation_command() -> list[str] | None:
    """The `unshare` prefix of `isolation_status`, or None when namespaces are unavailable here."""
    return isolation_status()[0]


@contextlib.contextmanager
def _slot(config: SandboxConfig):
    """A sandbox uid no other sandbox on this machine uses right now (held with a file lock)."""
    if os.geteuid() != 0:
        yield None
        return
    os.makedirs(config.slot_dir, mode=0o700, exist_ok=True)
    while True:
        for index in range(config.slots):
            fh = open(os.path.join(config.slot_dir, f"{index}.lock"), "w")  # noqa: SIM115
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                continue
            try:
                uid = config.uid_base + index
                _kill_uid(uid)
                yield uid
            finally:
                _kill_uid(uid)
                fcntl.flock(fh, fcntl.LOCK_UN)
                fh.close()
            return
        time.sleep(0.2)


def _kill_uid(uid: int | None) -> None:
    """Kill every process of the sandbox uid: whatever the student's code forked or daemonised."""
    if uid is None:
        return
    for _ in range(5):
        victims = []
        for pid in _uid_pids(uid):
            with contextlib.suppress(psutil.Error):
                victims.append(psutil.Process(pid))
        if not victims:
            return
        for proc in victims:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(victims, timeout=2)


def _uid_pids(uid: int) -> list[int]:
    """Processes whose real or effective uid is *uid*, read from /proc/<pid>/status (psutil's
    `process_iter` costs tens of milliseconds on a busy machine, run twice for every submission)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", "rb") as fh:
                for line in fh:
                    if line.startswith(b"Uid:"):
                        real, effective = (int(v) for v in line.split()[1:3])
                        if uid in (real, effective):
                            found.append(int(entry.name))
                        break
        except (OSError, ValueError):
            continue
    return found


def _kill_tree(process: subprocess.Popen) -> None:
    with contextlib.suppress(psutil.Error):
        parent = psutil.Process(process.pid)
        children = parent.children(recursive=True)
        for proc in [*children, parent]:
            with contextlib.suppress(psutil.Error):
                proc.kill()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, 9)


def _scrubbed_env() -> dict[str, str]:
    venv_bin = os.path.dirname(sys.executable)
    return {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        # Figures are shown inline, as in Jupyter (ipykernel sets the same backend when none is set).
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }


def _read_capped(stream, cap: int, sink: list) -> None:
    total = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        total += len(chunk)
        if total > cap:
            sink.append(None)
            # keep draining so the child never blocks on a full pipe
            continue
        sink.append(chunk)


def run_notebook(
    nb: NotebookNode,
    *,
    files: dict[str, bytes] | None = None,
    limits: Limits | None = None,
    config: SandboxConfig | None = None,
) -> NotebookNode:
    """Execute *nb* in the sandbox and return it with the outputs the sandbox produced."""
    limits = limits or Limits()
    config = config or SandboxConfig()
    prefix, why = isolation_status()
    if prefix is None and config.require_isolation:
        logger.error("grading refused: the sandbox cannot isolate student code here (%s)", why)
        raise SandboxError(
            "The grader cannot isolate student code on this machine, so it did not run the notebook. "
            "The grading service needs fixing; the submission can be graded again afterwards."
        )
    if prefix is None:
        logger.warning("grading sandbox runs WITHOUT isolation (development only): %s", why)

    with _slot(config) as uid, tempfile.TemporaryDirectory(prefix="itl-grade-") as workdir:
        job = {
            "notebook": nb,
            "files": {name: base64.b64encode(data).decode() for name, data in (files or {}).items()},
            "limits": {
                "cell_seconds": limits.cell_seconds,
                "cpu_seconds": limits.cpu_seconds,
                "memory_bytes": limits.memory_bytes,
                "file_bytes": limits.file_bytes,
                "processes": limits.processes if uid is not None else None,
                "open_files": limits.open_files,
                "output_bytes": limits.output_bytes,
                "tmpfs_bytes": limits.tmpfs_bytes,
            },
            "uid": uid,
            "hide": config.hide if prefix else [],
            "keep": [sys.base_prefix, sys.prefix, str(RUNNER.parent)],
            "isolated": prefix is not None,
            "workdir": workdir,
        }
        if uid is not None:
            os.chown(workdir, uid, uid)
        read_fd, write_fd = os.pipe()
        job["result_fd"] = write_fd
        command = [*(prefix or []), sys.executable, "-I", str(RUNNER)]
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=_scrubbed_env(),
                cwd=workdir,
                pass_fds=(write_fd,),
                start_new_session=True,
            )
        finally:
            os.close(write_fd)
        chunks: list = []
        errors: list = []
        with os.fdopen(read_fd, "rb") as result_stream:
            reader = threading.Thread(target=_read_capped, args=(result_stream, limits.result_bytes, chunks))
            err_reader = threading.Thread(target=_read_capped, args=(process.stderr, 64 * 1024, errors))
            reader.start()
            err_reader.start()
            try:
                process.stdin.write(json.dumps(job).encode())
                process.stdin.close()
            except BrokenPipeError:
                pass
            timed_out = False
            try:
                process.wait(timeout=limits.notebook_seconds)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_tree(process)
                process.wait()
            _kill_uid(uid)
            reader.join(timeout=10)
            err_reader.join(timeout=10)
        stderr_text = b"".join(c for c in errors if c).decode("utf-8", "replace")[-2000:]
        if timed_out:
            raise SandboxError(
                f"the notebook ran longer than {limits.notebook_seconds:g} s and was stopped",
                reason="timeout",
                seconds=limits.notebook_seconds,
            )
        if None in chunks:
            raise SandboxError("the executed notebook is larger than the grader accepts", reason="too_large")
        raw = b"".join(chunks)
        try:
            reply = json.loads(raw)
        except ValueError:
            logger.warning("sandbox exited %s without a result: %s", process.returncode, stderr_text)
            raise SandboxError(
                f"the notebook's process ended without a result (exit status {process.returncode})"
            ) from None
        if reply.get("status") != "ok":
            logger.warning("sandbox failure: %s", reply.get("traceback") or reply.get("error"))
            error = str(reply.get("error") or "the sandbox reported a failure")[:2000]
            if error.startswith("CellTimeoutError"):
                raise SandboxError(error, reason="cell_timeout", seconds=limits.cell_seconds)
            raise SandboxError(error)
        return merge_outputs(nb, reply.get("notebook"))


def merge_outputs(sent: NotebookNode, returned) -> NotebookNode:
    """A copy of *sent* carrying the outputs of *returned*, after checking *returned* is the same
    notebook: the same cells, types and sources. Anything else in it (metadata, nbgrader fields) is
    ignored, so code in the sandbox cannot rewrite what is graded."""
    try:
        returned = nbformat.from_dict(returned)
        cells = returned["cells"]
    except (TypeError, KeyError, AttributeError) as exc:
        raise SandboxError("the sandbox returned something that is not a notebook") from exc
    if len(cells) != len(sent.cells):
        raise SandboxError("the sandbox returned a notebook with different cells")
    merged = nbformat.from_dict(json.loads(json.dumps(sent)))
    for ours, theirs in zip(merged.cells, cells, strict=True):
        if theirs.get("cell_type") != ours.cell_type or theirs.get("source") != ours.source:
            raise SandboxError("the sandbox returned a notebook whose cells were changed")
        if ours.cell_type == "code":
            outputs = theirs.get("outputs", [])
            if not isinstance(outputs, list):
                raise SandboxError("the sandbox returned malformed outputs")
            ours.outputs = [
                nbformat.from_dict(o) for o in outputs if isinstance(o, dict) and "output_type" in o
            ]
            ours.execution_count = (
                theirs.get("execution_count") if isinstance(theirs.get("execution_count"), int) else None
            )
    try:
        nbformat.validate(merged)
    except nbformat.ValidationError as exc:
        raise SandboxError(f"the executed notebook is not valid: {str(exc)[:300]}") from None
    return merged


# ---------------------------------------------------------------------------------------------------
# Self-test

SELF_TEST_MARK = "ITL-SANDBOX-SELF-TEST "
SELF_TEST_PROBE = """
import ctypes, ctypes.util, json, os, socket
token, port, targets, name = {token!r}, {port!r}, {targets!r}, {name!r}
covers, binds = {covers!r}, {binds!r}
report = {{"interfaces": sorted(n for _, n in socket.if_nameindex()), "connected": False}}
with open("/proc/self/status") as fh:
    report["capeff"] = next(l.split()[1] for l in fh if l.startswith("CapEff:"))
# Try to undo the sandbox's mounts: unmount a hidden directory's cover, remount a read-only bind
# read-write. In a child, in a private copy of its mount namespace (unshare fails without the
# capability that unmounting needs), so that a probe that is not confined changes nothing.
libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
read_end, write_end = os.pipe()
child = os.fork()
if child == 0:
    undone = {{"unmounted": [], "remounted": []}}
    try:
        if libc.unshare(0x00020000) == 0 and libc.mount(b"none", b"/", None, 16384 | (1 << 18), None) == 0:
            with open("/proc/self/mountinfo") as fh:
                points = {{line.split()[4] for line in fh}}
            for path in sorted(covers, key=len, reverse=True):
                if path in points and libc.umount2(path.encode(), 2) == 0:
                    undone["unmounted"].append(path)
            kept = ((os.ST_NOSUID, 2), (os.ST_NODEV, 4), (os.ST_NOEXEC, 8), (os.ST_NOATIME, 1024),
                    (os.ST_NODIRATIME, 2048), (os.ST_RELATIME, 1 << 21))
            for path in binds:
                if path in points and os.statvfs(path).f_flag & os.ST_RDONLY:
                    flags = 32 | 4096 | sum(ms for st, ms in kept if os.statvfs(path).f_flag & st)
                    if libc.mount(b"none", path.encode(), None, flags, None) == 0:
                        undone["remounted"].append(path)
    finally:
        os.write(write_end, json.dumps(undone).encode())
        os._exit(0)
os.close(write_end)
with os.fdopen(read_end, "rb") as fh:
    answer = fh.read()
os.waitpid(child, 0)
report.update(json.loads(answer or b'{{"unmounted": ["?"], "remounted": []}}'))
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    report["connected"] = True
except OSError:
    pass
seen, read_environ = [], []
for pid in filter(str.isdigit, os.listdir("/proc")):
    for part, found in (("cmdline", seen), ("environ", read_environ)):
        try:
            with open(f"/proc/{{pid}}/{{part}}", "rb") as fh:
                if token.encode() in fh.read():
                    found.append(pid)
        except OSError:
            pass
report["seen"], report["read_environ"] = seen, read_environ
report["wrote"] = []
for target in targets:
    try:
        with open(os.path.join(target, name), "x") as fh:
            fh.write("written from the grading sandbox")
        report["wrote"].append(target)
    except OSError:
        pass
print({mark!r} + json.dumps(report))
"""


@dataclass
class IsolationReport:
    """What `self_test` found: `ok` when the sandbox is confined, otherwise the problems, in words an
    operator can act on."""

    ok: bool
    problems: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(self.problems)


def _self_test_targets(project_dir: str | None) -> list[str]:
    """Directories the probe must not be able to write to: the project, the runner's directory and
    the Python installation."""
    candidates = [
        project_dir,
        str(RUNNER.parent),
        sys.prefix,
        sys.base_prefix,
        sysconfig.get_paths()["purelib"],
    ]
    targets = []
    for path in candidates:
        if path and os.path.isdir(path) and os.path.realpath(path) not in targets:
            targets.append(os.path.realpath(path))
    return targets


def self_test(
    *,
    config: SandboxConfig | None = None,
    limits: Limits | None = None,
    project_dir: str | None = None,
    targets: list[str] | None = None,
    run: Callable | None = None,
) -> IsolationReport:
    """Run a probe notebook in the sandbox and check that it is confined: it has no network (only a
    loopback of its own, no way to the worker's), sees none of the worker's processes (neither their
    command lines nor their environments, where the secrets are) and cannot write to the project or
    the Python installation (or to *targets*, when given). A witness process of the worker's user
    carries a random token in its command line and environment for the probe to look for. The probe
    must also hold no capability and be unable to undo the sandbox's mounts: to unmount the cover of
    a hidden directory or remount the read-only Python installation read-write. *run* executes the probe
    (`Engine.run_cells` of the engine that grades; by default this module's `run_notebook`). Never
    raises."""
    config = config or SandboxConfig.from_settings_or_default()
    limits = limits or Limits(notebook_seconds=60, cell_seconds=30)
    if project_dir is None and _django_configured():
        from django.conf import settings

        project_dir = str(settings.BASE_DIR)
    prefix, why = isolation_status()
    if prefix is None:
        return IsolationReport(ok=False, problems=[f"no isolation: {why}"])
    token = secrets.token_hex(16)
    name = f".itl-sandbox-self-test-{token}"
    targets = targets if targets is not None else _self_test_targets(project_dir)
    problems: list[str] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    witness = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()", token],
        stdin=subprocess.PIPE,
        env={**_scrubbed_env(), "ITL_SANDBOX_WITNESS": token},
    )
    covers = sorted({os.path.realpath(p) for p in config.hide if os.path.isdir(p)})
    binds = sorted({os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, str(RUNNER.parent))})
    source = SELF_TEST_PROBE.format(
        token=token,
        port=listener.getsockname()[1],
        targets=targets,
        name=name,
        covers=covers,
        binds=binds,
        mark=SELF_TEST_MARK,
    )
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_code_cell(source))
    report = None
    try:
        executed = (run or run_notebook)(nb, limits=limits, config=replace(config, require_isolation=True))
        for output in executed.cells[0].get("outputs", []):
            for line in str(output.get("text", "")).splitlines():
                if line.startswith(SELF_TEST_MARK):
                    report = json.loads(line[len(SELF_TEST_MARK) :])
        if report is None:
            errors = [o.get("evalue", "") for o in executed.cells[0].get("outputs", []) if o.get("ename")]
            problems.append(f"the probe did not finish: {'; '.join(errors)[:300] or 'no output'}")
    except (SandboxError, ValueError) as exc:
        problems.append(f"the probe did not run: {str(exc)[:300]}")
    except Exception as exc:  # noqa: BLE001 - a self-test reports, never crashes the worker
        logger.exception("sandbox self-test failed")
        problems.append(f"the probe did not run: {type(exc).__name__}")
    finally:
        witness.kill()
        witness.wait()
        witness.stdin.close()
        listener.setblocking(False)
        try:
            listener.accept()[0].close()
            reached = True
        except OSError:
            reached = False
        listener.close()
        written = []
        for target in targets:
            path = os.path.join(target, name)
            if os.path.lexists(path):
                written.append(target)
                with contextlib.suppress(OSError):
                    os.unlink(path)
    if report is not None:
        outside = [i for i in report.get("interfaces", []) if i != "lo"]
        if outside:
            problems.append(f"the sandbox has network interfaces: {', '.join(outside)}")
        if report.get("connected") or reached:
            problems.append("the sandbox reached a port on the worker's loopback interface")
        if report.get("read_environ"):
            problems.append("the sandbox can read the environment (the secrets) of the worker's processes")
        elif report.get("seen"):
            problems.append("the sandbox can see the worker's processes (no PID namespace)")
        written = sorted(set(written) | set(report.get("wrote", [])))
        try:
            capabilities = int(str(report.get("capeff", "0")), 16)
        except ValueError:
            capabilities = -1
        if capabilities:
            problems.append(f"the sandbox holds capabilities (CapEff {report.get('capeff')})")
        if report.get("unmounted"):
            problems.append(f"the sandbox can unmount what hides {', '.join(report['unmounted'])}")
        if report.get("remounted"):
            problems.append(f"the sandbox can remount {', '.join(report['remounted'])} read-write")
    if written:
        problems.append(f"the sandbox can write to {', '.join(written)}")
    return IsolationReport(ok=not problems, problems=problems)
