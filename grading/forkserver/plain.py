"""Plain data across the boundary between the student's process and the trusted evaluator.

Only these cross as values: None, bool, int, float, complex, str, bytes, and lists, tuples and dicts of
them — their exact types, never a subclass (an `int` subclass could redefine `__eq__`) — numpy arrays
and scalars of an allow-listed dtype (numbers, booleans, fixed-width text, dates and durations), as
dtype, shape and raw bytes, and pandas `DataFrame`s, `Series` and `Index`es (exact types) whose columns
are such arrays or lists of plain values, rebuilt on the other side. A module, or a function or class of
a library module, crosses as its name (`["m", …]`, `["o", …]`) plus a handle: the receiver decides
whether to use its own copy (`resolve`). Everything else stays in the student's process and is named by
a handle. Never pickle: decoding builds only the types above, so nothing the student wrote can run in
the evaluator. A value over the size cap, or anything malformed, raises `Malformed`."""

from __future__ import annotations

import base64
import re
import sys
import types

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
# Fixed-width text, dates and durations: no objects either.
OTHER_DTYPE = re.compile(r"[<>|](U\d{1,4}|[Mm]8\[(ns|us|ms|s|m|h|D|W|M|Y)\])")
# Dtypes of pandas columns rebuilt from a list of plain values.
LIST_DTYPES = frozenset({"object", "str", "string"})


def allowed_dtype(text) -> bool:
    return type(text) is str and (text in DTYPES or OTHER_DTYPE.fullmatch(text) is not None)


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
        if kind is np.ndarray and allowed_dtype(value.dtype.str):
            budget.spend(value.nbytes)
            return ["a", value.dtype.str, list(value.shape), base64.b64encode(value.tobytes()).decode()]
        if issubclass(kind, np.generic) and kind is np.dtype(kind).type and allowed_dtype(value.dtype.str):
            return ["g", value.dtype.str, base64.b64encode(value.tobytes()).decode()]
    if kind is types.ModuleType and type(value.__name__) is str:
        return ["m", value.__name__[:200], handle(value)]
    named = library_name(value)
    if named is not None:
        return ["o", named[0], named[1], handle(value)]
    frame = _encode_pandas(value, handle, budget, depth)
    if frame is not None:
        return frame
    return ["r", handle(value), f"{kind.__module__}.{kind.__qualname__}"[:200]]


def library_name(value) -> tuple[str, str] | None:
    """(module, qualified name) of a function or class of a library module, found there by that name."""
    kind = type(value)  # never `isinstance`: a proxy would be asked for its class
    if not issubclass(kind, types.FunctionType | types.BuiltinFunctionType | type) and not (
        callable(value) and is_library(str(kind.__module__))  # numpy's ufuncs and dispatchers
    ):
        return None
    module = getattr(value, "__module__", None)
    name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    if type(module) is not str or type(name) is not str or not is_library(module):
        return None
    return (module, name) if _lookup(sys.modules.get(module), name) is value else None


def _lookup(module, qualname: str):
    target = module
    for part in qualname.split("."):
        if target is None or part.startswith("_") or part == "<locals>":
            return None
        target = getattr(target, part, None)
    return target


def _encode_pandas(value, handle, budget: Budget, depth: int):
    pd = sys.modules.get("pandas")
    if pd is None or type(value) not in (pd.DataFrame, pd.Series, pd.Index, pd.RangeIndex):
        return None

    def refuse(obj):
        raise Malformed("not plain data")

    try:
        if type(value) is pd.DataFrame:
            columns = [_column(value.iloc[:, i], refuse, budget, depth) for i in range(value.shape[1])]
            return [
                "pf",
                _index(value.columns, refuse, budget, depth),
                _index(value.index, refuse, budget, depth),
                columns,
            ]
        if type(value) is pd.Series:
            return [
                "ps",
                encode(value.name, refuse, budget, depth + 1),
                _index(value.index, refuse, budget, depth),
                _column(value, refuse, budget, depth),
            ]
        return _index(value, refuse, budget, depth)
    except Malformed:
        return None


def _column(values, refuse, budget: Budget, depth: int) -> list:
    dtype = values.dtype
    np = _numpy()
    if isinstance(dtype, np.dtype) and allowed_dtype(dtype.str):
        return ["a", encode(values.to_numpy(), refuse, budget, depth + 1)]
    if str(dtype) in LIST_DTYPES:
        return [str(dtype), encode(list(values.tolist()), refuse, budget, depth + 1)]
    raise Malformed("not plain data")


def _index(index, refuse, budget: Budget, depth: int) -> list:
    pd = sys.modules["pandas"]
    name = encode(index.name, refuse, budget, depth + 1)
    if type(index) is pd.RangeIndex:
        return ["pr", name, index.start, index.stop, index.step]
    if type(index) is not pd.Index:
        raise Malformed("not plain data")
    return ["pi", name, _column(index, refuse, budget, depth)]


LIBRARIES = ("numpy", "pandas", "math", "cmath", "statistics")
# Modules whose state is the learner's (a seed, the current figure): never replaced by the
# receiver's own copy.
STATEFUL = ("numpy.random",)


def is_library(name: str) -> bool:
    top = name.partition(".")[0]
    return top in LIBRARIES and not any(name == s or name.startswith(s + ".") for s in STATEFUL)


def own_copy(module: str, qualname: str | None = None, theirs=None):
    """This process's own module *module* (or its object *qualname*) when it is a library module
    already imported here, else None. What the learner's process did to its copy does not matter. A
    module with stateful parts comes as a `Library` that reads those from *theirs()* (a proxy)."""
    if type(module) is not str or not is_library(module):
        return None
    found = sys.modules.get(module)
    if found is None:
        return None
    if qualname is not None:
        return _lookup(found, qualname) if type(qualname) is str else None
    if theirs is not None and any(s.startswith(module + ".") for s in STATEFUL):
        return Library(found, theirs())
    return found


class Library:
    """A learner's library module as this process's own copy, but for its stateful submodules
    (`STATEFUL`: numpy's random generator, which a test seeds for the learner's code), read from the
    learner's module."""

    __slots__ = ("_module", "_theirs")

    def __init__(self, module, theirs) -> None:
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_theirs", theirs)

    def __getattr__(self, name: str):
        module = object.__getattribute__(self, "_module")
        if f"{module.__name__}.{name}" in STATEFUL:
            return getattr(object.__getattribute__(self, "_theirs"), name)
        return getattr(module, name)

    def __dir__(self):
        return dir(object.__getattribute__(self, "_module"))

    def __repr__(self) -> str:
        return repr(object.__getattribute__(self, "_module"))


def decode(data, proxy, depth: int = 0, resolve=None):
    """The value *data* encodes; `proxy(handle, type_name)` stands for what stayed behind, and
    `resolve(module, qualname)` gives this process's own module or library object for a name (None:
    a proxy instead; by default `own_copy`)."""
    resolve = resolve or own_copy
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
            items = [decode(v, proxy, depth + 1, resolve) for v in rest[0]]
            return items if tag == "l" else tuple(items)
        if tag == "d" and type(rest[0]) is list:
            pairs = {}
            for pair in rest[0]:
                if type(pair) is not list or len(pair) != 2:
                    raise Malformed("not plain data")
                pairs[decode(pair[0], proxy, depth + 1, resolve)] = decode(pair[1], proxy, depth + 1, resolve)
            return pairs
        if tag in ("a", "g"):
            return _decode_numpy(tag, rest)
        if tag == "r" and type(rest[0]) is int and type(rest[1]) is str:
            return proxy(rest[0], rest[1])
        if tag == "m" and type(rest[0]) is str and type(rest[1]) is int:
            found = resolve(rest[0], None, lambda: proxy(rest[1], "module"))
            return found if found is not None else proxy(rest[1], "module")
        if tag == "o" and type(rest[0]) is str and type(rest[1]) is str and type(rest[2]) is int:
            found = resolve(rest[0], rest[1])
            return found if found is not None else proxy(rest[2], rest[1][:200])
        if tag in ("pf", "ps", "pi", "pr"):
            return _decode_pandas(tag, rest, depth)
    except (IndexError, ValueError, TypeError, OverflowError) as exc:
        raise Malformed("not plain data") from exc
    raise Malformed("not plain data")


def _decode_pandas(tag: str, rest: list, depth: int):
    import pandas as pd

    def nothing(ref, type_name):
        raise Malformed("not plain data")

    def column(data, index=None, name=None):
        if type(data) is not list or len(data) != 2 or type(data[0]) is not str:
            raise Malformed("not plain data")
        values = decode(data[1], nothing, depth + 1)
        if data[0] == "a" and type(values) is _numpy().ndarray and values.ndim == 1:
            return pd.Series(values, index=index, name=name, copy=False)
        if data[0] in LIST_DTYPES and type(values) is list:
            return pd.Series(values, index=index, name=name, dtype=data[0])
        raise Malformed("not plain data")

    def index(data):
        if type(data) is not list or not data:
            raise Malformed("not plain data")
        name = decode(data[1], nothing, depth + 1)
        if data[0] == "pr" and len(data) == 5 and all(type(v) is int for v in data[2:]):
            return pd.RangeIndex(data[2], data[3], data[4], name=name)
        if data[0] == "pi" and len(data) == 3:
            return pd.Index(column(data[2]), name=name)
        raise Malformed("not plain data")

    if tag in ("pr", "pi"):
        return index([tag, *rest])
    if tag == "ps" and len(rest) == 3:
        rows = index(rest[1])
        series = column(rest[2], name=decode(rest[0], nothing, depth + 1))
        series.index = rows
        return series
    if tag == "pf" and len(rest) == 3 and type(rest[2]) is list:
        columns, rows = index(rest[0]), index(rest[1])
        data = [column(c) for c in rest[2]]
        if len(data) != len(columns) or any(len(c) != len(rows) for c in data):
            raise Malformed("not plain data")
        frame = pd.concat(data, axis=1, ignore_index=True) if data else pd.DataFrame(index=range(len(rows)))
        frame.index, frame.columns = rows, columns
        return frame
    raise Malformed("not plain data")


def _decode_numpy(tag: str, rest: list):
    import numpy as np

    dtype = rest[0]
    if not allowed_dtype(dtype):
        raise Malformed("not an allowed array type")
    if tag == "g":
        return np.frombuffer(base64.b64decode(rest[1], validate=True), dtype=np.dtype(dtype))[0]
    shape = rest[1]
    if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
        raise Malformed("not an array shape")
    raw = base64.b64decode(rest[2], validate=True)
    return np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).copy()
