"""The outputs of a cell, as a Jupyter kernel driven by nbclient would record them, from IPython's shell
running in this process: streams (Python-level writes and writes to file descriptors 1 and 2),
execution results, rich display data and errors. nbgrader scores a test cell from these outputs (an
error or any stderr output → 0; a number as the result → partial credit; else full marks), so they
must be classified exactly as the kernel's."""

from __future__ import annotations

import io
import os

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

TRUNCATED = "\n[output truncated by the grader]\n"


class Outputs:
    """The outputs of the cell being run, capped at *cap* bytes (a note replaces the rest)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.items: list[dict] = []
        self.used = 0
        self.full = False
        self.clear_on_next = False

    def reset(self) -> None:
        self.items, self.used, self.full, self.clear_on_next = [], 0, False, False

    def _room(self, size: int) -> bool:
        if self.clear_on_next:
            self.items, self.clear_on_next = [], False
        if self.full:
            return False
        self.used += size
        if self.used > self.cap:
            self.full = True
            self.items.append({"output_type": "stream", "name": "stdout", "text": TRUNCATED})
            return False
        return True

    def stream(self, name: str, text: str) -> None:
        if not text or not self._room(len(text)):
            return
        last = self.items[-1] if self.items else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})

    def add(self, output: dict) -> None:
        if self._room(_size(output)):
            self.items.append(output)


def _size(value) -> int:
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, dict):
        return sum(len(str(k)) + _size(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return sum(_size(v) for v in value)
    return 8


def _jsonable(bundle) -> dict:
    """A mime bundle with only values nbformat accepts (text, or JSON for the JSON mimetypes)."""
    clean = {}
    for key, value in (bundle or {}).items():
        if isinstance(value, str) or isinstance(value, dict | list) and key.endswith("json"):
            clean[str(key)] = value
    return clean


class Stream(io.TextIOBase):
    """sys.stdout / sys.stderr of the shell: every write becomes a stream output of the cell."""

    def __init__(self, outputs: Outputs, name: str) -> None:
        self.outputs, self.stream_name = outputs, name

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.outputs.stream(self.stream_name, text)
        return len(text)

    def isatty(self) -> bool:
        return False


class FdCapture:
    """Writes to file descriptors 1 and 2 (a subprocess, C code, `os.write`) go to anonymous files,
    read after each cell as stdout / stderr streams, as ipykernel forwards them."""

    def __init__(self) -> None:
        self.files = {}
        for fd, name in ((1, "stdout"), (2, "stderr")):
            memfd = os.memfd_create(f"cell-{name}")
            os.dup2(memfd, fd)
            os.close(memfd)
            self.files[fd] = (name, 0)

    def drain(self, outputs: Outputs) -> None:
        for fd, (name, offset) in list(self.files.items()):
            try:
                end = os.lseek(fd, 0, os.SEEK_END)
                data = (
                    os.pread(fd, max(0, min(end - offset, outputs.cap + 1)), offset) if end > offset else b""
                )
            except OSError:
                continue
            self.files[fd] = (name, end)
            if data:
                outputs.stream(name, data.decode("utf-8", "replace"))


class _DisplayHook(DisplayHook):
    """The value of a cell's last expression becomes an `execute_result` output."""

    outputs: Outputs | None = None

    def start_displayhook(self) -> None:
        pass

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self.outputs.add(
            {
                "output_type": "execute_result",
                "data": _jsonable(format_dict),
                "metadata": md_dict or {},
                "execution_count": self.shell.execution_count,
            }
        )

    def finish_displayhook(self) -> None:
        pass


class _DisplayPublisher(DisplayPublisher):
    """`display()` (and matplotlib's inline figures) become `display_data` outputs."""

    outputs: Outputs | None = None

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
        output = {"output_type": "display_data", "data": _jsonable(data), "metadata": metadata or {}}
        display_id = (transient or {}).get("display_id")
        if update and display_id:
            for item in self.outputs.items:
                if item.get("_display_id") == display_id:
                    item.update(data=output["data"], metadata=output["metadata"])
            return
        if display_id:
            output["_display_id"] = display_id
        self.outputs.add(output)

    def clear_output(self, wait: bool = False) -> None:
        if wait:
            self.outputs.clear_on_next = True
        else:
            self.outputs.items = []


class GradingShell(InteractiveShell):
    """IPython's shell with a kernel's outputs: errors become `error` outputs (ename, evalue, traceback)
    as ipykernel sends them."""

    displayhook_class = _DisplayHook
    display_pub_class = _DisplayPublisher
    outputs: Outputs | None = None

    def _showtraceback(self, etype, evalue, stb) -> None:
        self.outputs.add(
            {
                "output_type": "error",
                "ename": str(getattr(etype, "__name__", etype)),
                "evalue": str(evalue),
                "traceback": [str(line) for line in stb],
            }
        )

    def enable_gui(self, gui=None) -> None:
        pass

    def bind(self, outputs: Outputs) -> None:
        self.outputs = outputs
        self.displayhook.outputs = outputs
        self.display_pub.outputs = outputs


def make_shell() -> GradingShell:
    """The shell a zygote builds once (no history file, no history thread: threads do not survive a
    fork)."""
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "NoColor"
    config.InteractiveShell.autocall = 0
    return GradingShell.instance(config=config)
