"""Length-prefixed JSON messages over the socket between the trusted evaluator and the student's
process. The evaluator reads with a deadline and a size cap; anything else (a closed socket, a timeout,
bytes that are not a JSON object) raises `RpcError`, which fails the test that was waiting."""

from __future__ import annotations

import json
import select
import struct
import time

MAX_MESSAGE = 64 * 1024 * 1024


class RpcError(RuntimeError):
    """The other side is gone, too slow, or sent something malformed."""


def send(sock, message: dict) -> None:
    data = json.dumps(message).encode("utf-8", "replace")
    try:
        sock.sendall(struct.pack("!I", len(data)) + data)
    except OSError as exc:
        raise RpcError(f"the learner's process is gone ({type(exc).__name__})") from None


def _exactly(sock, size: int, deadline: float | None) -> bytes:
    chunks, left = [], size
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([sock], [], [], wait)[0]:
                raise RpcError("the learner's process did not answer in time")
        try:
            chunk = sock.recv(min(left, 1 << 20))
        except OSError as exc:
            raise RpcError(f"the learner's process is gone ({type(exc).__name__})") from None
        if not chunk:
            raise RpcError("the learner's process ended")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(sock, deadline: float | None = None) -> dict:
    (size,) = struct.unpack("!I", _exactly(sock, 4, deadline))
    if size > MAX_MESSAGE:
        raise RpcError("the learner's process sent too much")
    try:
        message = json.loads(_exactly(sock, size, deadline))
    except ValueError:
        raise RpcError("the learner's process sent something malformed") from None
    if not isinstance(message, dict):
        raise RpcError("the learner's process sent something malformed")
    return message
