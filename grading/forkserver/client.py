"""The worker's side of the fork server: one zygote per grading process (started on first use, again
after a fork of the worker or a crash of the zygote), and `run_notebook`, which executes a notebook
there with the guarantees of `grading.sandbox.run_notebook`: isolation required unless configured
otherwise, a per-slot uid (every process of it killed afterwards), a wall-clock limit, a capped result,
and only outputs taken from what comes back (`grading.sandbox.merge_outputs`)."""

from __future__ import annotations

import atexit
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from grading import sandbox
from grading.sandbox import Limits, SandboxConfig, SandboxError

from . import cgroups
from .wire import WireError, deadline_in, read_until_eof, write_all

logger = logging.getLogger(__name__)
ZYGOTE = Path(__file__).with_name("zygote.py")
# Beyond the notebook's own limit (which the supervisor enforces): the time the worker waits.
GRACE_SECONDS = 15


class Zygote:
    """A running zygote and the control socket to it."""

    def __init__(self, config: SandboxConfig, limits: Limits) -> None:
        prefix, why = _isolation(config)
        if prefix is None:
            logger.warning("grading fork server runs WITHOUT isolation (development only): %s", why)
        self.isolated = prefix is not None
        # The zygote covers the hidden paths that exist when it starts; one that appears later (a
        # media root created since) needs a new zygote (`covers`).
        self.hidden = _existing(config.hide)
        self.owner = os.getpid()
        self.lock = threading.Lock()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.keep = [sys.base_prefix, sys.prefix, str(sandbox.RUNNER.parent)]
        setup = {
            "hide": config.hide if self.isolated else [],
            "keep": self.keep,
            "isolated": self.isolated,
            "uid": config.uid_base if os.geteuid() == 0 else None,
            "tmpfs_bytes": limits.tmpfs_bytes,
        }
        try:
            self.process = subprocess.Popen(
                [*(prefix or []), sys.executable, "-I", str(ZYGOTE), str(theirs.fileno())],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                env=sandbox._scrubbed_env(),
                cwd="/",
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        finally:
            theirs.close()
        self.process.stdin.write(json.dumps(setup).encode())
        self.process.stdin.close()
        self.control = ours

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def covers(self, config: SandboxConfig) -> bool:
        return not self.isolated or _existing(config.hide) <= self.hidden

    def close(self) -> None:
        if self.owner != os.getpid():
            self.control.close()
            return
        self.control.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            sandbox._kill_tree(self.process)
            self.process.wait()

    def submit(self, job: dict, private: dict, *, result_bytes: int, seconds: float) -> dict:
        """Send *job* (the student's part) and *private* (the evaluator's); the supervisor's reply, or
        SandboxError."""
        job_read, job_write = os.pipe()
        private_read, private_write = os.pipe()
        result_read, result_write = os.pipe()
        try:
            with self.lock:
                socket.send_fds(self.control, [b"J"], [job_read, private_read, result_write])
        except OSError as exc:
            for fd in (job_write, private_write, result_read):
                os.close(fd)
            raise SandboxError(f"the grading fork server is gone: {exc}") from None
        finally:
            for fd in (job_read, private_read, result_write):
                os.close(fd)
        writers = [
            threading.Thread(target=_feed, args=(fd, json.dumps(part).encode()), daemon=True)
            for fd, part in ((job_write, job), (private_write, private))
        ]
        for writer in writers:
            writer.start()
        try:
            raw = read_until_eof(
                result_read, cap=result_bytes + 1024, deadline=deadline_in(seconds + GRACE_SECONDS)
            )
        except WireError as exc:
            raise SandboxError(
                "the executed notebook is larger than the grader accepts"
                if str(exc) == "too large"
                else "the grading fork server did not answer"
            ) from None
        finally:
            os.close(result_read)
            for writer in writers:
                writer.join(timeout=5)
        try:
            return json.loads(raw)
        except ValueError:
            raise SandboxError("the grading fork server ended without a result") from None


def _feed(fd: int, payload: bytes) -> None:
    try:
        write_all(fd, payload)
    except OSError:
        pass
    finally:
        os.close(fd)


def _isolation(config: SandboxConfig) -> tuple[list[str] | None, str]:
    """`sandbox.isolation_status`, refusing (SandboxError) when isolation is required and missing."""
    prefix, why = sandbox.isolation_status()
    if prefix is None and config.require_isolation:
        logger.error("grading refused: the sandbox cannot isolate student code here (%s)", why)
        raise SandboxError(
            "The grader cannot isolate student code on this machine, so it did not run the notebook. "
            "The grading service needs fixing; the submission can be graded again afterwards."
        )
    return prefix, why


def _existing(paths: list[str]) -> frozenset[str]:
    return frozenset(os.path.realpath(p) for p in paths if os.path.exists(p))


_zygotes: dict[tuple, Zygote] = {}
_zygotes_lock = threading.Lock()
# Zygotes one process keeps (one per sandbox configuration; tests use several).
MAX_ZYGOTES = 4


def zygote(config: SandboxConfig, limits: Limits) -> Zygote:
    """This process's zygote for *config*, started (again) when needed."""
    key = (tuple(config.hide), config.require_isolation, limits.tmpfs_bytes)
    _isolation(config)
    with _zygotes_lock:
        current = _zygotes.pop(key, None)
        if current is None or not current.alive() or not current.covers(config):
            if current is not None:
                current.close()
            current = Zygote(config, limits)
        _zygotes[key] = current
        while len(_zygotes) > MAX_ZYGOTES:
            _zygotes.pop(next(iter(_zygotes))).close()
        return current


@atexit.register
def _close_all() -> None:
    for current in list(_zygotes.values()):
        current.close()
    _zygotes.clear()


@dataclass
class Executed:
    """What came back: the notebook with its outputs, the test cells that had to run in the learner's
    process, and the flags the machinery check raised for them."""

    notebook: NotebookNode
    in_process: list[str] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)


def _is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def run_notebook(
    nb: NotebookNode,
    *,
    files: dict[str, bytes] | None = None,
    limits: Limits | None = None,
    config: SandboxConfig | None = None,
) -> Executed:
    """Execute *nb*: student cells in a child of the zygote, test cells in the trusted evaluator."""
    import base64

    limits = limits or Limits()
    config = config or SandboxConfig()
    server = zygote(config, limits)
    limit_values = {
        "notebook_seconds": limits.notebook_seconds,
        "cell_seconds": limits.cell_seconds,
        "cpu_seconds": limits.cpu_seconds,
        "memory_bytes": limits.memory_bytes,
        "file_bytes": limits.file_bytes,
        "open_files": limits.open_files,
        "output_bytes": limits.output_bytes,
        "result_bytes": limits.result_bytes,
        "tmpfs_bytes": limits.tmpfs_bytes,
    }
    # The evaluator gets every cell's place and the test cells' source; the student's process gets the
    # other cells only (a test cell's source, hidden tests included, never goes there).
    private = {
        "cells": [
            {
                "cell_type": c.cell_type,
                "nonempty": bool(c.source.strip()),
                "test": _is_test(c),
                "grade_id": c.metadata.get("nbgrader", {}).get("grade_id", ""),
                "source": c.source if _is_test(c) else "",
            }
            for c in nb.cells
        ],
        "limits": limit_values,
    }
    with sandbox._slot(config) as uid, tempfile.TemporaryDirectory(prefix="itl-grade-") as workdir:
        if uid is not None:
            os.chown(workdir, uid, uid)
        groups = (
            cgroups.prepare(
                uid - config.uid_base, memory_bytes=limits.memory_bytes, processes=limits.processes
            )
            if uid is not None
            else []
        )
        job = {
            "cgroups": groups,
            "cells": [{"source": "" if _is_test(c) else c.source} for c in nb.cells],
            "files": {name: base64.b64encode(data).decode() for name, data in (files or {}).items()},
            "limits": {**limit_values, "processes": limits.processes if uid is not None else None},
            "uid": uid,
            "keep": server.keep,
            "isolated": server.isolated,
            "workdir": workdir,
            "env": sandbox._scrubbed_env(),
        }
        reply = server.submit(job, private, result_bytes=limits.result_bytes, seconds=limits.notebook_seconds)
    status = reply.get("status")
    if status == "timeout":
        raise SandboxError(
            f"the notebook ran longer than {limits.notebook_seconds:g} s and was stopped",
            reason="timeout",
            seconds=limits.notebook_seconds,
        )
    if status == "too large":
        raise SandboxError("the executed notebook is larger than the grader accepts", reason="too_large")
    if status != "ok":
        logger.warning("fork server failure: %s", reply.get("error"))
        raise SandboxError(str(reply.get("error") or "the sandbox reported a failure")[:2000])
    cells = reply.get("cells")
    if not isinstance(cells, list) or len(cells) != len(nb.cells):
        raise SandboxError("the sandbox returned a notebook with different cells")
    returned = json.loads(json.dumps(nb))
    for cell, executed in zip(returned["cells"], cells, strict=True):
        if cell["cell_type"] == "code" and isinstance(executed, dict):
            cell["outputs"] = executed.get("outputs", [])
            cell["execution_count"] = executed.get("execution_count")
    return Executed(
        notebook=sandbox.merge_outputs(nb, returned),
        in_process=[str(c) for c in reply.get("in_process", [])],
        flags=[f for f in reply.get("flags", []) if isinstance(f, dict)],
    )
