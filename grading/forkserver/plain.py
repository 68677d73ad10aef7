"""Plain data across the boundary between the student's process and the trusted evaluator.

Only these cross as values: None, bool, int, float, complex, str, bytes, and lists, tuples and dicts of
them — their exact types, never a subclass (an `int` subclass could redefine `__eq__`) — and numpy
arrays and scalars of an allow-listed dtype, as dtype, shape and raw bytes. Everything else stays in the
student's process and is named by a handle. Never pickle: decoding builds only the types above, so
nothing the student wrote can run in the evaluator. A value over the size cap, or anything malformed,
raises `Malformed`."""

from __future__ import annotations

import base64

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 32
# Byte order, kind and size: booleans, integers, floats and complex numbers, nothing with objects.
DTYPES = frozenset(
    f"{order}{kind}{size}"
    for order in "<|"
    for kind, sizes in (
        ("b", (1,)),
        ("i", (1, 2, 4, 8)),
        ("u", (1, 2, 4, 8)),
        ("f", (2, 4, 8)),
        ("c", (8, 16)),
    )
    for size in sizes
)


class Malformed(ValueError):
    """What came across is not plain data (or is too large)."""


class Budget:
    def __init__(self, limit: int = MAX_BYTES) -> None:
        self.left = limit

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise Malformed("the value is larger than the grader accepts")


def _numpy():
    import sys

    return sys.modules.get("numpy")


def encode(value, handle, budget: Budget | None = None, depth: int = 0):
    """*value* as JSON-ready plain data; `handle(value)` names anything else (returns a handle id)."""
    budget = budget or Budget()
    if depth > MAX_DEPTH:
        raise Malformed("the value is nested too deeply")
    kind = type(value)
    budget.spend(16)
    if value is None:
        return ["n"]
    if kind is bool:
        return ["b", value]
    if kind is int:
        text = str(value) if value.bit_length() < 4096 else None
        if text is None:
            raise Malformed("the integer is too large")
        budget.spend(len(text))
        return ["i", text]
    if kind is float:
        return ["f", repr(value)]
    if kind is complex:
        return ["c", repr(value.real), repr(value.imag)]
    if kind is str:
        budget.spend(len(value))
        return ["s", value]
    if kind is bytes:
        budget.spend(len(value))
        return ["y", base64.b64encode(value).decode()]
    if kind in (list, tuple):
        tag = "l" if kind is list else "t"
        return [tag, [encode(v, handle, budget, depth + 1) for v in list(value)]]
    if kind is dict:
        return [
            "d",
            [
                [encode(k, handle, budget, depth + 1), encode(v, handle, budget, depth + 1)]
                for k, v in list(value.items())
            ],
        ]
    np = _numpy()
    if np is not None:
        if kind is np.ndarray and value.dtype.str in DTYPES:
            budget.spend(value.nbytes)
            return ["a", value.dtype.str, list(value.shape), base64.b64encode(value.tobytes()).decode()]
        if isinstance(value, np.generic) and kind is np.dtype(kind).type and value.dtype.str in DTYPES:
            return ["g", value.dtype.str, base64.b64encode(value.tobytes()).decode()]
    return ["r", handle(value), f"{kind.__module__}.{kind.__qualname__}"[:200]]


def decode(data, proxy, depth: int = 0):
    """The value *data* encodes; `proxy(handle, type_name)` stands for what stayed behind."""
    if depth > MAX_DEPTH or not isinstance(data, list) or not data or not isinstance(data[0], str):
        raise Malformed("not plain data")
    tag, rest = data[0], data[1:]
    try:
        if tag == "n" and not rest:
            return None
        if tag == "b" and type(rest[0]) is bool:
            return rest[0]
        if tag == "i" and type(rest[0]) is str and len(rest[0]) < 1300:
            return int(rest[0])
        if tag == "f" and type(rest[0]) is str:
            return float(rest[0])
        if tag == "c" and all(type(v) is str for v in rest) and len(rest) == 2:
            return complex(float(rest[0]), float(rest[1]))
        if tag == "s" and type(rest[0]) is str:
            return rest[0]
        if tag == "y" and type(rest[0]) is str:
            return base64.b64decode(rest[0], validate=True)
        if tag in ("l", "t") and type(rest[0]) is list:
            items = [decode(v, proxy, depth + 1) for v in rest[0]]
            return items if tag == "l" else tuple(items)
        if tag == "d" and type(rest[0]) is list:
            pairs = {}
            for pair in rest[0]:
                if type(pair) is not list or len(pair) != 2:
                    raise Malformed("not plain data")
                pairs[decode(pair[0], proxy, depth + 1)] = decode(pair[1], proxy, depth + 1)
            return pairs
        if tag in ("a", "g"):
            return _decode_numpy(tag, rest)
        if tag == "r" and type(rest[0]) is int and type(rest[1]) is str:
            return proxy(rest[0], rest[1])
    except (IndexError, ValueError, TypeError, OverflowError) as exc:
        raise Malformed("not plain data") from exc
    raise Malformed("not plain data")


def _decode_numpy(tag: str, rest: list):
    import numpy as np

    dtype = rest[0]
    if type(dtype) is not str or dtype not in DTYPES:
        raise Malformed("not an allowed array type")
    if tag == "g":
        return np.frombuffer(base64.b64decode(rest[1], validate=True), dtype=np.dtype(dtype))[0]
    shape = rest[1]
    if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
        raise Malformed("not an array shape")
    raw = base64.b64decode(rest[2], validate=True)
    return np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).copy()
