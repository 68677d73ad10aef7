"""Framing shared by the worker, the zygote and its children: whole messages over pipes, read with a
size cap and a deadline, never blocking forever."""

from __future__ import annotations

import os
import select
import time


class WireError(RuntimeError):
    """A message was too large, too slow or cut short."""


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_until_eof(fd: int, *, cap: int, deadline: float) -> bytes:
    """Everything written to *fd* until its writers close it; WireError past *cap* bytes (the rest is
    drained and dropped so the writer never blocks) or *deadline* (a `time.monotonic` value)."""
    chunks, total, too_big = [], 0, False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise WireError("timeout")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        total += len(chunk)
        if total > cap:
            too_big = True
            chunks = []
        elif not too_big:
            chunks.append(chunk)
    if too_big:
        raise WireError("too large")
    return b"".join(chunks)


def deadline_in(seconds: float) -> float:
    return time.monotonic() + seconds
