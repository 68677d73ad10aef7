"""A corpus of grade-forging submissions: data for the tamper scan's tests and the engines' tests.

Each entry is `(name, source_bytes, submission_bytes)`: the web course's demo exercise
(`web_html_functions`) as the instructor notebook, and a submission that leaves every solution
unimplemented (`raise NotImplementedError()`) and adds one trick to the first solution cell — except
`always_equal`, whose solutions return an object equal to anything. An honest engine grades each one 0
or the tamper scan flags it; none may get a silent full score. The tricks are the ones the issue lists
and nbgrader's own cheat-attempt notebooks use.
"""

from __future__ import annotations

import base64
import re

from tests.grading import notebooks

FIRST_SOLUTION = "link"

_TRANSFORMER = "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])"

TRICKS: dict[str, str] = {
    # Every later cell becomes `pass`.
    "input_transformers_post": _TRANSFORMER,
    # An AST transformer that drops the tests' `assert` statements.
    "ast_transformer_drops_asserts": (
        "import ast\n"
        "class DropAsserts(ast.NodeTransformer):\n"
        "    def visit_Assert(self, node):\n"
        "        return ast.Pass()\n"
        "get_ipython().ast_transformers.append(DropAsserts())"
    ),
    # nbgrader grades a cell by its error output: no traceback shown, no error.
    "patched_showtraceback": (
        "import IPython.core.interactiveshell\n"
        "IPython.core.interactiveshell.InteractiveShell.showtraceback = lambda *args, **kwargs: None"
    ),
    "patched_run_cell": (
        "shell = get_ipython()\n"
        "original_run_cell = shell.run_cell\n"
        "def run_cell(raw_cell, *args, **kwargs):\n"
        "    return original_run_cell('pass' if 'assert' in raw_cell else raw_cell, *args, **kwargs)\n"
        "shell.run_cell = run_cell"
    ),
    "post_run_cell_event": (
        "def forget_errors(result):\n"
        "    result.error_in_exec = None\n"
        "get_ipython().events.register('post_run_cell', forget_errors)"
    ),
    # The process ends before the first failing test: "no error output".
    "os_exit": "import os\nos._exit(0)",
    # A trace function that jumps over the line of each failing test.
    "settrace": (
        "import sys\n"
        "def skip_asserts(frame, event, arg):\n"
        "    if event == 'line' and frame.f_code.co_filename.startswith('<ipython-input'):\n"
        "        frame.f_lineno += 1\n"
        "    return skip_asserts\n"
        "sys.settrace(skip_asserts)"
    ),
    "builtins_rebinding": (
        "import builtins\nbuiltins.AssertionError = type('AssertionError', (BaseException,), {})"
    ),
    "sys_modules_surgery": (
        "import sys, types\nsys.modules['html'] = types.SimpleNamespace(escape=lambda text, quote=True: text)"
    ),
    # The name of the hook is built at run time, so no `settrace` appears in the code.
    "getattr_computed_name": (
        "import sys\nhook = getattr(sys, 'set' + 'trace')\nhook(lambda frame, event, arg: None)"
    ),
    "exec_base64": (
        "import base64\n"
        f"exec(base64.b64decode('{base64.b64encode(_TRANSFORMER.encode()).decode()}').decode())"
    ),
    "ctypes": (
        "import ctypes\n"
        "ctypes.c_long.from_address(id(False) + 24).value = 1  # False is now 1: every check is true"
    ),
    "frame_globals": (
        "import sys\nsys._getframe(0).f_globals['__builtins__'].AssertionError = KeyboardInterrupt"
    ),
    "raw_fd_write": (
        "import os\nos.write(1, b'All tests passed\\n')\nos.dup2(os.open(os.devnull, os.O_WRONLY), 2)"
    ),
    "signal_handler": (
        "import signal\n"
        "signal.signal(signal.SIGALRM, lambda *args: None)\n"
        "signal.setitimer(signal.ITIMER_REAL, 1)"
    ),
    "atexit_hook": "import atexit\natexit.register(lambda: print('All tests passed'))",
    "gc_objects": (
        "import gc\n"
        "for thing in gc.get_objects():\n"
        "    if type(thing).__name__ == 'ExecutionResult':\n"
        "        thing.error_in_exec = None"
    ),
    "dunder_import": "__import__('o' + 's')._exit(0)",
}

_ALWAYS_EQUAL = (
    "class Anything(str):\n"
    "    def __eq__(self, other):\n"
    "        return True\n"
    "    __hash__ = str.__hash__\n"
    "\n"
    "def {name}(*args, **kwargs):\n"
    "    return Anything()"
)
_SOLUTION = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*$", re.S | re.M
)


def _unsolved(code: str) -> str:
    """A solution cell as the learner received it: the solution replaced by `raise NotImplementedError()`."""
    return _SOLUTION.sub(lambda m: f"{m['indent']}raise NotImplementedError()", code)


def _submission(trick: str | None = None, *, always_equal: bool = False) -> bytes:
    nb = notebooks.load()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution"):
            continue
        if always_equal:
            cell.source = _ALWAYS_EQUAL.format(name=meta["grade_id"])
            continue
        cell.source = _unsolved(cell.source)
        if trick is not None and meta["grade_id"] == FIRST_SOLUTION:
            cell.source = f"{trick}\n{cell.source}"
    return notebooks.dumps(nb)


def corpus() -> list[tuple[str, bytes, bytes]]:
    """Every trick as `(name, instructor notebook, submission)`."""
    source = notebooks.solved()
    entries = [(name, source, _submission(trick)) for name, trick in TRICKS.items()]
    entries.append(("always_equal", source, _submission(always_equal=True)))
    return entries


def unsolved() -> bytes:
    """The same submission with no trick: every solution left unimplemented (scores 0, no flag)."""
    return _submission()
