"""The trusted evaluator: decides every test cell's outputs in a process where no student code runs.

Forked by the supervisor before the student's child exists, it alone receives the test cells (hidden
tests included) and alone writes the result. It drives the notebook: a student cell is a request to the
student's process ("run cell N"); a test cell is executed here, with builtin `compile`/`exec`, in a
namespace where a name the student defined is looked up in the student's process. Plain data comes back
as itself (`plain`); anything else stays there, behind a `Proxy` through which attributes are read and
functions called — requests again, answered with plain data. Comparisons, truth values, arithmetic and
hashing of a proxy fail the test (`Unverifiable`): an object cannot lie about its equality to a process
that never receives it. So IPython transformers, a patched `run_cell` or `showtraceback`, always-equal
objects or a student's `sys.settrace` change nothing here. A closed pipe, a timeout, `os._exit` or
malformed data fails the test waiting for it; "no error output" is never a pass by default.

A test that needs a live object (an `isinstance` check on the student's instance) falls back to running
in the student's process — never a test with hidden tests, whose source must not go there — and is
recorded as such, with the machinery check's flags (`machinery`).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import os
import sys
import time
import traceback
import types

from . import plain, rpc
from .capture import Outputs, Stream

HIDDEN_MARK = "BEGIN HIDDEN TESTS"


class NeedsLiveObject(BaseException):  # noqa: N818 - a signal: `except Exception` in a test must not swallow it
    """The test needs an object that cannot leave the student's process."""


class Unverifiable(BaseException):  # noqa: N818 - not an Exception: `except Exception` in a test must not swallow it
    """A learner's object was compared, tested for truth or computed with: that cannot be verified here."""


class StudentError(Exception):
    """An exception of a type this process does not know, raised by the learner's code."""


class Remote:
    """Requests to the student's process, one at a time, each with a deadline."""

    def __init__(self, sock, seconds: float) -> None:
        self.sock, self.seconds = sock, seconds
        self.outputs: Outputs | None = None
        self.broken: str | None = None
        self.sequence = 0

    def request(self, message: dict) -> dict:
        if self.broken:
            raise rpc.RpcError(self.broken)
        self.sequence += 1
        message["seq"] = self.sequence
        try:
            rpc.send(self.sock, message)
            reply = rpc.receive(self.sock, deadline=time.monotonic() + self.seconds + 5)
            if reply.get("seq") != self.sequence:
                raise rpc.RpcError("the learner's process answered out of turn")
        except BaseException as exc:
            # A request cut short (no answer, or the cell's time ran out while waiting): whatever the
            # student's process sends next cannot be trusted to be in step.
            self.broken = str(exc) or type(exc).__name__
            raise
        return reply

    def ask(self, **message):
        reply = self.request(message)
        self._outputs(reply.get("outputs"))
        if reply.get("missing") is True:
            raise KeyError(message.get("name"))
        if "raise" in reply:
            raise _exception(reply["raise"])
        try:
            return plain.decode(reply.get("value"), self.proxy)
        except plain.Malformed as exc:
            raise rpc.RpcError(
                f"the learner's process sent something that is not plain data: {exc}"
            ) from None

    def _outputs(self, outputs) -> None:
        if self.outputs is None or not isinstance(outputs, list):
            return
        for output in outputs[:1000]:
            if not isinstance(output, dict):
                continue
            kind = output.get("output_type")
            if (
                kind == "stream"
                and output.get("name") in ("stdout", "stderr")
                and isinstance(output.get("text"), str)
            ):
                self.outputs.stream(output["name"], output["text"])
            elif kind == "display_data" and isinstance(output.get("data"), dict):
                data = {str(k): v for k, v in output["data"].items() if isinstance(v, str)}
                self.outputs.add({"output_type": "display_data", "data": data, "metadata": {}})

    def proxy(self, handle: int, type_name: str) -> Proxy:
        return Proxy(self, handle, type_name)

    def encode(self, value):
        def handle(obj):
            if isinstance(obj, Proxy) or type(obj) is Proxy:
                return object.__getattribute__(obj, "_handle")
            name = (obj.__name__,) if type(obj) is types.ModuleType else plain.library_name(obj)
            if name and plain.own_copy(*name) is obj:
                return 0  # a library's own module or function: the learner's process uses its copy
            raise NeedsLiveObject(f"a {type(obj).__name__} cannot be sent to the learner's code")

        if type(value) is Proxy:
            return ["r", object.__getattribute__(value, "_handle"), ""]
        return plain.encode(value, handle)


def _exception(info) -> BaseException:
    if not isinstance(info, dict):
        return StudentError("the learner's code failed")
    name, text = str(info.get("ename", "Exception"))[:200], str(info.get("evalue", ""))[:2000]
    known = getattr(builtins, name, None)
    if (
        isinstance(known, type)
        and issubclass(known, Exception)
        and not issubclass(known, StopIteration | StopAsyncIteration)
    ):
        with contextlib.suppress(Exception):  # some builtin exceptions take other arguments
            return known(text)
    if name == "KeyboardInterrupt":
        return KeyboardInterrupt()
    return StudentError(f"{name}: {text}")


def _unverifiable(operation: str):
    def refuse(self, *args):
        kind = object.__getattribute__(self, "_type")
        raise Unverifiable(
            f"{operation} of the learner's {kind} object: only plain data (numbers, strings, lists, "
            "dicts, arrays) can be checked by the grader"
        )

    return refuse


class Proxy:
    """A learner's object that stayed in the learner's process."""

    __slots__ = ("_remote", "_handle", "_type")

    def __init__(self, remote: Remote, handle: int, type_name: str) -> None:
        object.__setattr__(self, "_remote", remote)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_type", type_name)

    def _ask(self, **message):
        return object.__getattribute__(self, "_remote").ask(
            ref=object.__getattribute__(self, "_handle"), **message
        )

    def __getattr__(self, name: str):
        return self._ask(op="attr", name=name)

    def __setattr__(self, name: str, value) -> None:
        remote = object.__getattribute__(self, "_remote")
        self._ask(op="setattr", name=name, value=remote.encode(value))

    def __call__(self, *args, **kwargs):
        remote = object.__getattribute__(self, "_remote")
        return self._ask(
            op="call",
            args=[remote.encode(a) for a in args],
            kwargs={str(k): remote.encode(v) for k, v in kwargs.items()},
        )

    def __getitem__(self, key):
        return self._ask(op="item", key=object.__getattribute__(self, "_remote").encode(key))

    def __len__(self) -> int:
        value = self._ask(op="len")
        if type(value) is not int:
            raise TypeError("len() of the learner's object is not an integer")
        return value

    def __iter__(self):
        value = self._ask(op="list")
        if type(value) is not list:
            raise TypeError("the learner's object cannot be iterated")
        return iter(value)

    def __repr__(self) -> str:
        return f"<{object.__getattribute__(self, '_type')} object of the learner's>"

    __str__ = __repr__

    @property
    def __class__(self):
        """The nearest library class (numpy's, pandas') the learner's object is an instance of, as this
        process's own class, so `isinstance(value, np.ndarray)` is answered here; anything else needs
        the live object. What the object then holds is still only read as plain data."""
        found = self._ask(op="class")
        if isinstance(found, type) and type(found) is not Proxy:
            return found
        raise NeedsLiveObject("the type of a learner's object")

    def __instancecheck__(self, instance):
        raise NeedsLiveObject("an isinstance check against a learner's class")

    def __subclasscheck__(self, subclass):
        raise NeedsLiveObject("an issubclass check against a learner's class")

    __eq__ = _unverifiable("Comparing")
    __ne__ = _unverifiable("Comparing")
    __lt__ = _unverifiable("Comparing")
    __le__ = _unverifiable("Comparing")
    __gt__ = _unverifiable("Comparing")
    __ge__ = _unverifiable("Comparing")
    __bool__ = _unverifiable("The truth value")
    __hash__ = _unverifiable("Hashing")
    __contains__ = _unverifiable("A membership test")
    __index__ = _unverifiable("Using as a number")
    __float__ = _unverifiable("Using as a number")
    __int__ = _unverifiable("Using as a number")
    __abs__ = _unverifiable("Arithmetic")
    __neg__ = _unverifiable("Arithmetic")
    for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor"):
        locals()[f"__{_name}__"] = _unverifiable("Arithmetic")
        locals()[f"__r{_name}__"] = _unverifiable("Arithmetic")
    del _name


class StudentNames(dict):
    """The test cells' globals: their own names first, then the builtins of this process, then the
    names the learner defined (asked of the learner's process)."""

    def __init__(self, remote: Remote) -> None:
        super().__init__()
        self.remote = remote
        self.share = True
        self["__builtins__"] = builtins
        self["__name__"] = "__main__"

    def __missing__(self, name: str):
        if hasattr(builtins, name):
            raise KeyError(name)
        return self.remote.ask(op="get", name=name)

    def __setitem__(self, name: str, value) -> None:
        """Kept here (what the test reads back is what it wrote, whatever the learner's code does to
        its own namespace meanwhile) and, when it can cross, given to the learner's namespace too, as
        a kernel's shared namespace would have it (a test that puts back a function it removed) —
        except from a cell with hidden tests, whose values the learner's later cells could print."""
        super().__setitem__(name, value)
        if name.startswith("__") or not self.share:
            return
        try:
            encoded = self.remote.encode(value)
        except (NeedsLiveObject, plain.Malformed):
            return
        self.remote.ask(op="set", name=name, value=encoded)

    def __delitem__(self, name: str) -> None:
        here = name in self
        if here:
            super().__delitem__(name)
        if not self.remote.ask(op="del", name=name) and not here:
            raise KeyError(name)


def _code(source: str):
    """The cell as Python (IPython's own syntax — magics, `!` — transformed here), split so its last
    expression is evaluated for an `execute_result`, as IPython does."""
    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(source), filename="<test cell>")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, "<test cell>", "exec")
    return body, compile(last, "<test cell>", "eval") if last is not None else None


def _error_output(exc: BaseException) -> dict:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    if isinstance(exc, StudentError):
        name, _, value = str(exc).partition(": ")
        return {"output_type": "error", "ename": name, "evalue": value, "traceback": lines}
    return {"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc), "traceback": lines}


def evaluate(source: str, names: StudentNames, remote: Remote, outputs: Outputs, count: int, timer) -> None:
    """Run one test cell here, under the cell's time limit; its outputs go to *outputs*.
    NeedsLiveObject escapes (the fallback)."""
    remote.outputs = outputs
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Stream(outputs, "stdout"), Stream(outputs, "stderr")
    try:
        body, last = _code(source)
        with timer:
            exec(body, names)  # noqa: S102 - the instructor's test code, in the trusted process
            value = eval(last, names) if last is not None else None  # noqa: S307 - as above
        if value is not None:
            text = repr(value) if type(value) is not Proxy else Proxy.__repr__(value)
            outputs.add(
                {
                    "output_type": "execute_result",
                    "data": {"text/plain": text},
                    "metadata": {},
                    "execution_count": count,
                }
            )
    except NeedsLiveObject:
        raise
    except BaseException as exc:  # noqa: BLE001 - a failing test, whatever it raised
        outputs.add(_error_output(exc))
    finally:
        sys.stdout, sys.stderr = saved


def drive(shell, sock, cells: list[dict], limits: dict) -> dict:
    """Run every cell in order: student cells over there, test cells here. The result the worker gets."""
    from .capture import FdCapture
    from .student import CellTimer, _no_input

    remote = Remote(sock, float(limits["cell_seconds"]))
    names = StudentNames(remote)
    fds = FdCapture()
    timer = CellTimer(float(limits["cell_seconds"]))
    builtins.input = _no_input
    results, in_process, flags, count = [], [], [], 0
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code" or not cell.get("nonempty"):
            results.append({"outputs": [], "execution_count": None})
            continue
        count += 1
        outputs = Outputs(int(limits["output_bytes"]))
        if cell.get("test"):
            shell.bind(outputs)
            names.share = HIDDEN_MARK.lower() not in cell["source"].lower()
            try:
                evaluate(cell["source"], names, remote, outputs, count, timer)
                _flush_figures(remote, outputs)
                fds.drain(outputs)
            except NeedsLiveObject as exc:
                outputs.reset()
                _fallback(remote, cell, index, count, outputs, in_process, flags, str(exc))
        else:
            remote.outputs = None
            try:
                reply = remote.request({"op": "run", "index": index, "count": count})
                outputs.items = [o for o in reply.get("outputs", []) if isinstance(o, dict)]
            except rpc.RpcError as exc:
                outputs.add(
                    {
                        "output_type": "error",
                        "ename": "GraderError",
                        "evalue": str(exc),
                        "traceback": [str(exc)],
                    }
                )
        results.append({"outputs": outputs.items, "execution_count": count})
    with contextlib.suppress(rpc.RpcError):
        rpc.send(sock, {"op": "done"})
    return {"status": "ok", "cells": results, "in_process": in_process, "flags": flags}


def _flush_figures(remote: Remote, outputs: Outputs) -> None:
    """The figures the learner's code drew during the test (a plotting function it called) are shown
    at the end of the cell, as a kernel's inline backend shows them after each execution."""
    if remote.broken:
        return
    remote.outputs = outputs
    with contextlib.suppress(Exception):
        remote.ask(op="flush")


def _fallback(remote, cell, index, count, outputs, in_process, flags, why: str) -> None:
    grade_id = cell.get("grade_id") or ""
    if HIDDEN_MARK.lower() in cell["source"].lower():
        outputs.add(
            {
                "output_type": "error",
                "ename": "GraderError",
                "evalue": f"this test needs an object of the learner's ({why}) and has hidden tests",
                "traceback": [],
            }
        )
        return
    in_process.append(grade_id)
    try:
        reply = remote.request({"op": "fallback", "index": index, "count": count, "source": cell["source"]})
    except rpc.RpcError as exc:
        outputs.add({"output_type": "error", "ename": "GraderError", "evalue": str(exc), "traceback": []})
        return
    outputs.items = [o for o in reply.get("outputs", []) if isinstance(o, dict)]
    changed = reply.get("changed")
    if not isinstance(changed, list) or changed:
        what = ", ".join(str(c)[:60] for c in changed[:20]) if isinstance(changed, list) else "unknown"
        flags.append(
            {
                "cell": grade_id,
                "line": 0,
                "reason": f"graded in the learner's process after the grader's machinery changed: {what}",
                "rule": "machinery",
                "code": "",
            }
        )


def main(shell, sock, private_fd: int, result_fd: int, read_job) -> None:
    """Read the test cells, wait for the student's process, drive, write the result. Never returns."""
    status = 1
    try:
        job = read_job(private_fd)
        os.close(private_fd)
        reply = drive(shell, sock, job["cells"], job["limits"])
        status = 0
    except BaseException as exc:  # noqa: BLE001 - every failure is a reply
        reply = {"status": "error", "error": f"the grader failed: {type(exc).__name__}: {exc}"[:2000]}
    import json

    from .wire import write_all

    try:
        write_all(result_fd, json.dumps(reply, default=repr).encode("utf-8", "replace"))
    finally:
        os._exit(status)
