"""One submission's supervisor: a child of the zygote that never runs student code. First it forks the
trusted evaluator (`trusted`), handing it the pipe with the test cells, which the supervisor never
reads; as neither root nor the student's uid. Then it reads the student's part of the job, makes the new
PID, mount and network namespaces the student's child will be the first process of, forks that child
(its only channel: the socket to the evaluator), and waits for the evaluator's result under the
notebook's wall-clock limit, killing both children (the student's with its whole PID namespace) when it
is over. It alone writes the reply the worker reads. Never returns."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket

from grading import sandbox_runner as runner

from . import student, trusted
from .wire import WireError, deadline_in, read_until_eof, write_all

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
JOB_BYTES = 256 * 1024 * 1024


def _unshare(flags: int) -> None:
    libc = runner._libc()
    if libc.unshare(flags) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare: {os.strerror(errno)}")


TRUSTED_UID = 65534  # nobody: the evaluator runs as neither root nor the student's uid


def _read_job(fd: int) -> dict:
    return json.loads(read_until_eof(fd, cap=JOB_BYTES, deadline=deadline_in(120)))


def _start_trusted(shell, private_fd: int, drop_to: int | None, isolated: bool):
    """Fork the evaluator before anything of the student's exists; returns (pid, its end of the
    student socket's pair for the student, the pipe its result comes on)."""
    ours, theirs = socket.socketpair()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        theirs.close()
        os.close(read_fd)
        keep = sorted({ours.fileno(), private_fd, write_fd})
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        low = 3
        for fd in keep:
            os.closerange(low, fd)
            low = fd + 1
        os.closerange(low, 65536)
        runner.drop_all_privileges(drop_to, isolated=isolated)
        runner.make_undumpable()
        trusted.main(shell, ours, private_fd, write_fd, _read_job)
    ours.close()
    os.close(write_fd)
    return pid, theirs, read_fd


def _run(shell, job: dict, trusted_pid: int, student_sock, result_fd: int) -> dict:
    limits = job["limits"]
    if job.get("isolated"):
        _unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET)
    pid = os.fork()
    if pid == 0:
        os.close(result_fd)
        student.main(shell, job, student_sock)
    student_sock.close()
    try:
        raw = read_until_eof(
            result_fd, cap=int(limits["result_bytes"]), deadline=deadline_in(limits["notebook_seconds"])
        )
    except WireError as exc:
        reason = str(exc)
        raw = None
    finally:
        # The first process of the PID namespace: killing it kills everything the student started.
        for victim in (pid, trusted_pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
            os.waitpid(victim, 0)
    if raw is None:
        return {"status": reason}
    try:
        reply = json.loads(raw)
    except ValueError:
        reply = None
    if not isinstance(reply, dict) or reply.get("status") not in {"ok", "error"}:
        return {"status": "error", "error": "the grader's evaluator ended without a result"}
    return reply


def main(shell, job_fd: int, private_fd: int, result_fd: int, drop_to: int | None, isolated: bool) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    try:
        trusted_pid, student_sock, trusted_result = _start_trusted(shell, private_fd, drop_to, isolated)
        os.close(private_fd)
        job = _read_job(job_fd)
        os.close(job_fd)
        reply = _run(shell, job, trusted_pid, student_sock, trusted_result)
    except BaseException as exc:  # noqa: BLE001 - every failure is a reply
        reply = {"status": "error", "error": f"the grader failed: {type(exc).__name__}: {exc}"[:2000]}
    try:
        write_all(result_fd, json.dumps(reply).encode())
    finally:
        os._exit(0)
