"""The student's child: confines itself as `grading.sandbox_runner` confines a runner, then runs the
notebook's cells with the zygote's IPython shell, as a kernel driven by nbgrader's `Execute` would.

Called in a fresh process that is the first of new PID, mount and network namespaces (its supervisor
made them), still privileged. Order: the run's cgroups joined (`cgroups`), /proc of its own, a private
tmpfs on /tmp, /var/tmp and /dev/shm (the zygote already covered the hidden directories and bound the
Python installation read-only), the loopback up, the work directory and data files written, every file
descriptor but the result pipe closed, privileges dropped for good (`drop_all_privileges`), resource
limits set, non-dumpable. Only then does student code run. Never returns."""

from __future__ import annotations

import builtins
import getpass
import itertools
import os
import signal
import sys

from grading import sandbox_runner as runner

# Imported here, so in the zygote before it forks: a child importing a module pays for it every run.
from . import cgroups, machinery, plain, rpc
from .capture import FdCapture, Outputs, Stream

MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
_ABSENT = object()
# matplotlib's configuration and font cache: written by the zygote when it imports matplotlib (the cache
# is built once there, and every child inherits the loaded fonts), the same path again, empty and
# writable, on each child's private /tmp (matplotlib remembers the path it first chose).
MATPLOTLIB_DIR = "/tmp/.matplotlib"  # noqa: S108 - a private tmpfs in the zygote and in each child
STDIN_MESSAGE = "raw_input was called, but this frontend does not support input requests."


def _confine(job: dict, keep_fd: int) -> str:
    libc = runner._libc()
    if job.get("isolated"):
        runner._mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        keep = [os.path.realpath(k) for k in job.get("keep", [])]
        for kept in runner.private_temporary_dirs(libc, keep, int(job["limits"]["tmpfs_bytes"])):
            runner.bind_read_only(libc, kept)
        runner._loopback_up()
        workdir = "/tmp/work"  # noqa: S108 - on the private tmpfs just mounted
        os.mkdir(workdir, 0o700)
    else:
        workdir = job["workdir"]
    cgroups.join(job.get("cgroups", []))
    uid = job.get("uid")
    runner.write_files(job.get("files", {}), workdir, uid)
    os.chdir(workdir)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.close(null)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 65536)
    runner.drop_all_privileges(uid, isolated=bool(job.get("isolated")))
    os.environ.clear()
    os.environ.update(job["env"])
    os.environ.update(
        HOME=workdir,
        TMPDIR=workdir,
        IPYTHONDIR=os.path.join(workdir, ".ipython"),
        MPLCONFIGDIR=MATPLOTLIB_DIR,
    )
    os.makedirs(MATPLOTLIB_DIR, mode=0o700, exist_ok=True)
    runner.apply_limits(job["limits"])
    runner.make_undumpable()
    return workdir


def _no_input(*args, **kwargs):
    from IPython.core.error import StdinNotImplementedError

    raise StdinNotImplementedError(STDIN_MESSAGE)


class CellTimer:
    """A cell running past its limit is interrupted (KeyboardInterrupt, as the kernel's interrupt), and
    again every second while it keeps running; the supervisor's wall clock is the backstop."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        signal.signal(signal.SIGALRM, self._fire)

    def _fire(self, signum, frame):
        raise KeyboardInterrupt

    def __enter__(self):
        signal.setitimer(signal.ITIMER_REAL, self.seconds, 1.0)
        return self

    def __exit__(self, *exc) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _setup(shell, limits: dict):
    """Outputs, file descriptors 1 and 2, sys.stdout/stderr and input() as a kernel has them."""
    outputs = Outputs(int(limits["output_bytes"]))
    shell.bind(outputs)
    fds = FdCapture()
    sys.stdout, sys.stderr = _streams(outputs)
    builtins.input = _no_input
    getpass.getpass = _no_input
    return outputs, fds


def _run_source(run_cell, source: str, outputs: Outputs) -> None:
    result = run_cell(source, store_history=True, silent=False)
    error = result.error_before_exec or result.error_in_exec
    if error and not any(o["output_type"] == "error" for o in outputs.items):
        # The kernel's reply reports the error even when the traceback display was patched away;
        # nbgrader's Execute then records it as an output. Never treat "no error output" as a pass.
        outputs.items.append(_error(error))


def _clean(outputs: Outputs) -> list[dict]:
    return [{k: v for k, v in o.items() if k != "_display_id"} for o in outputs.items]


def serve(shell, sock, cells: list[dict], limits: dict) -> None:
    """Answer the trusted evaluator's requests until it is done: run a student cell; look up, set or
    delete a name; read an attribute, call a function, index, measure or list an object (`plain` data
    back, a handle for anything else); or run a test cell here (the fallback, after the machinery
    check)."""
    outputs, fds = _setup(shell, limits)
    run_cell = shell.run_cell
    timer = CellTimer(float(limits["cell_seconds"]))
    before = machinery.snapshot(shell)
    handles: dict[int, object] = {}

    def handle(obj) -> int:
        handles[len(handles) + 1] = obj
        return len(handles)

    def own(module, qualname=None, theirs=None):
        return plain.own_copy(module, qualname)  # this process's own, whatever the evaluator's is

    def value(data):
        return plain.decode(data, lambda ref, _type: handles[ref], resolve=own)

    while True:
        message = rpc.receive(sock)
        op = message.get("op")
        if op == "done":
            return
        outputs.reset()
        reply = {"seq": message.get("seq")}
        try:
            with timer:
                if op in ("run", "fallback"):
                    shell.execution_count = int(message["count"])
                    if op == "fallback":
                        reply["changed"] = machinery.changes(before, shell)
                    source = message["source"] if op == "fallback" else cells[int(message["index"])]["source"]
                    _run_source(run_cell, source, outputs)
                    result = None
                elif op == "flush":
                    shell.events.trigger("post_execute")  # the inline backend shows pending figures
                    result = None
                elif op == "set":
                    shell.user_ns[str(message["name"])] = value(message["value"])
                    result = None
                elif op == "del":
                    result = shell.user_ns.pop(str(message["name"]), _ABSENT) is not _ABSENT
                elif op == "get":
                    name = str(message["name"])
                    if name not in shell.user_ns:
                        reply["missing"] = True
                    result = shell.user_ns.get(name)
                else:
                    target = handles[int(message["ref"])]
                    if op == "attr":
                        result = getattr(target, str(message["name"]))
                    elif op == "setattr":
                        setattr(target, str(message["name"]), value(message["value"]))
                        result = None
                    elif op == "call":
                        args = [value(a) for a in message.get("args", [])]
                        kwargs = {str(k): value(v) for k, v in message.get("kwargs", {}).items()}
                        result = target(*args, **kwargs)
                    elif op == "item":
                        result = target[value(message["key"])]
                    elif op == "class":
                        result = next((c for c in type(target).__mro__ if plain.library_name(c)), None)
                    elif op == "len":
                        result = len(target)
                    elif op == "list":
                        result = list(itertools.islice(target, 1_000_000))
                    else:
                        raise ValueError(f"unknown request {op!r}")
                reply["value"] = plain.encode(result, handle)
        except BaseException as exc:  # noqa: BLE001 - the learner's code failed: the evaluator decides
            reply.pop("value", None)
            reply["raise"] = {"ename": type(exc).__name__, "evalue": _text(exc)}
        fds.drain(outputs)
        reply["outputs"] = _clean(outputs)
        rpc.send(sock, reply)


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except BaseException:  # noqa: BLE001 - a learner's exception whose __str__ fails
        return ""


def _streams(outputs: Outputs):
    return Stream(outputs, "stdout"), Stream(outputs, "stderr")


def _error(exc: BaseException) -> dict:
    return {
        "output_type": "error",
        "ename": type(exc).__name__,
        "evalue": str(exc),
        "traceback": ["ERROR: An error occurred while showtraceback was disabled"],
    }


def main(shell, job: dict, sock) -> None:
    """Confine, answer the evaluator, exit. Failures end the process: the evaluator fails what waits."""
    try:
        _confine(job, sock.fileno())
        serve(shell, sock, job["cells"], job["limits"])
    finally:
        os._exit(0)
