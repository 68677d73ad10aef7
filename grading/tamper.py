"""Tamper flags: uses of the grader's machinery in the code a learner wrote.

Grading runs the learner's cells and the instructor's tests in one Python process (the reference engine
entirely, the fork-server engine for the tests that need live objects), so a line in a solution cell
can change how the later cells run: an IPython input or AST transformer that empties the tests, a
patched `showtraceback`, a trace function, an object equal to everything, an `os._exit` before the
failing test. The engines keep the verdict out of reach where they can; this scan is the second line:
it reads the abstract syntax tree of every cell the learner controls (solution cells and cells they
added; locked and test cells are restored from the instructor notebook before grading) and reports each
use of that machinery, and of the ways to hide one (code built at run time, attribute names computed at
run time). A flagged submission is graded as usual but waits for a teacher's review before its score
counts (`grading.services.submission_review`).

The scan never runs the code. A cell IPython cannot parse does not run either, so it gives no flag;
magics are read as IPython rewrites them (the Python that `%time`, `%timeit` and `%%capture` run is
scanned too). Code written to a file and imported is out of its sight: the engine's own defences cover
what a static scan cannot.
"""

from __future__ import annotations

import ast
import builtins
import logging
import re
from collections.abc import Iterable, Iterator

import nbformat
from django.utils.translation import gettext_lazy as _
from IPython.core.inputtransformer2 import TransformerManager

from .engines import Engine, GradeResult

logger = logging.getLogger(__name__)

# Rule → the reason a teacher reads (translated when the flag is shown, see `reason_text`).
RULES = {
    "ipython": _(
        "Uses the IPython shell that runs the notebook (get_ipython, its transformers, hooks "
        "or input history)."
    ),
    "magic": _(
        "Runs a magic command that loads, replays or reconfigures code (the run, load_ext, config or "
        "history magic)."
    ),
    "trace": _("Installs a trace or profile function (sys.settrace, sys.setprofile, a debugger)."),
    "frames": _(
        "Reaches into call frames or code objects (sys._getframe, f_globals, f_back, __code__, co_…)."
    ),
    "gc": _("Uses the garbage collector to reach other objects (gc)."),
    "ctypes": _("Uses ctypes to change memory or call C functions directly."),
    "exit": _("Ends or signals the grading process (os._exit, os.kill, os.abort)."),
    "raw_output": _(
        "Writes to the process's output directly or replaces its streams (os.write, os.dup2, sys.stdout = …)."
    ),
    "signal": _("Handles or sends signals (signal)."),
    "atexit": _("Registers code to run when the process ends (atexit)."),
    "modules": _("Changes loaded modules or the import system (sys.modules, sys.meta_path, unittest.mock)."),
    "builtins": _("Changes built-in functions (builtins, __builtins__, or a built-in name redefined)."),
    "always_equal": _(
        "Defines a comparison or type check that does not compare (an __eq__ or __bool__ that "
        "always gives the same answer)."
    ),
    "dynamic_code": _("Runs code built at run time (eval, exec, compile, __import__, importlib)."),
    "computed_name": _(
        "Reads or writes an attribute or a name built at run time (getattr, setattr, globals()[…])."
    ),
    "unchecked": _("The grader could not check this notebook's code: a teacher should read it."),
}

# Importing these at all is a flag.
_MODULES = {
    "gc": "gc",
    "ctypes": "ctypes",
    "_ctypes": "ctypes",
    "cffi": "ctypes",
    "_testcapi": "ctypes",
    "signal": "signal",
    "_signal": "signal",
    "atexit": "atexit",
    "builtins": "builtins",
    "__builtin__": "builtins",
    "importlib": "dynamic_code",
    "imp": "dynamic_code",
    "runpy": "dynamic_code",
    "marshal": "dynamic_code",
    "code": "dynamic_code",
    "codeop": "dynamic_code",
    "pdb": "trace",
    "bdb": "trace",
    "trace": "trace",
    "unittest.mock": "modules",
    "mock": "modules",
    "IPython": "ipython",
    "ipykernel": "ipython",
    "jupyter_client": "ipython",
    "nbclient": "ipython",
    "nbconvert": "ipython",
    "nbgrader": "ipython",
    "traitlets": "ipython",
    "zmq": "ipython",
    # The notebook's namespace as a module: its `In` and `_ih` hold the tests' code that ran before.
    "__main__": "ipython",
}
# Parts of IPython a learner legitimately imports (rich display).
_ALLOWED_MODULES = ("IPython.display", "IPython.core.display", "IPython.lib.display")

# Module attributes (after resolving import aliases) that are flags wherever they appear.
_QUALIFIED = {
    "sys.settrace": "trace",
    "sys.setprofile": "trace",
    "sys.monitoring": "trace",
    "sys.addaudithook": "trace",
    "threading.settrace": "trace",
    "threading.setprofile": "trace",
    "threading.settrace_all_threads": "trace",
    "threading.setprofile_all_threads": "trace",
    "sys._getframe": "frames",
    "sys._current_frames": "frames",
    "inspect.currentframe": "frames",
    "inspect.stack": "frames",
    "inspect.trace": "frames",
    "inspect.getouterframes": "frames",
    "inspect.getinnerframes": "frames",
    "os._exit": "exit",
    "os.abort": "exit",
    "os.kill": "exit",
    "os.killpg": "exit",
    "os.register_at_fork": "atexit",
    "os.closerange": "raw_output",
    "sys.meta_path": "modules",
    "sys.path_hooks": "modules",
    "sys.path_importer_cache": "modules",
}
# Constructors of code and functions: a flag when called (an `isinstance` check is fine).
_CALL_ONLY = {"types.CodeType": "dynamic_code", "types.FunctionType": "dynamic_code"}
# os functions taking a file descriptor: a flag when it may be the process's own output (0-2 or computed).
_FD_FUNCTIONS = {"os.write", "os.writev", "os.pwrite", "os.dup", "os.dup2", "os.fdopen", "os.close"}
# sys attributes that are flags when assigned or deleted.
_SYS_STORES = {
    "sys.modules": "modules",
    "sys.stdout": "raw_output",
    "sys.stderr": "raw_output",
    "sys.__stdout__": "raw_output",
    "sys.__stderr__": "raw_output",
    "sys.displayhook": "ipython",
    "sys.excepthook": "ipython",
    "sys.unraisablehook": "ipython",
}
_MUTATING_METHODS = {"pop", "popitem", "update", "clear", "setdefault", "__setitem__", "__delitem__"}
# Modules whose names mean that module even when the learner did not import them (a locked cell may).
_KNOWN_MODULES = {"sys", "os", "posix", "threading", "inspect", "types", "IPython"}

# Attribute names that are flags on any object: they exist only on the grader's machinery.
_ATTRIBUTES = {
    **dict.fromkeys(
        (
            "f_globals", "f_locals", "f_back", "f_code", "f_builtins", "f_trace", "f_trace_lines",
            "f_trace_opcodes", "tb_frame", "gi_frame", "cr_frame", "ag_frame", "gi_code", "cr_code",
            "ag_code", "__code__", "__globals__", "__closure__", "cell_contents", "__subclasses__",
            "_getframe", "_current_frames",
        ),
        "frames",
    ),
    **dict.fromkeys(("settrace", "setprofile"), "trace"),
    "_exit": "exit",
    **dict.fromkeys(("meta_path", "path_hooks", "path_importer_cache"), "modules"),
    "__builtins__": "builtins",
    **dict.fromkeys(
        (
            "input_transformers_post", "input_transformers_cleanup", "input_transformer_manager",
            "ast_transformers", "run_cell", "run_cell_async", "run_ast_nodes", "run_code",
            "showtraceback", "_showtraceback", "showsyntaxerror", "set_custom_exc", "custom_exceptions",
            "CustomTB", "InteractiveTB", "SyntaxTB", "user_ns", "user_global_ns", "user_ns_hidden",
            "display_pub", "displayhook", "excepthook", "history_manager",
        ),
        "ipython",
    ),
}  # fmt: skip
_CO_ATTRIBUTE = re.compile(r"^co_[a-z]+$")

_DYNAMIC_BUILTINS = {
    "eval": "dynamic_code",
    "exec": "dynamic_code",
    "compile": "dynamic_code",
    "__import__": "dynamic_code",
}
_NAMES = {
    **_DYNAMIC_BUILTINS,
    "__builtins__": "builtins",
    "__builtin__": "builtins",
    "breakpoint": "trace",
    # IPython's input history holds the test cells that ran before.
    **dict.fromkeys(("In", "_ih", "_i", "_ii", "_iii"), "ipython"),
}
_HISTORY_NAME = re.compile(r"^_i\d+$")
_NAMESPACE_CALLS = {"globals", "locals", "vars"}
_ATTRIBUTE_CALLS = {"getattr", "setattr", "delattr"}
_COMPARISONS = {"__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__contains__"}
_TYPE_CHECKS = {"__instancecheck__", "__subclasscheck__"}
_BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("_")) | {"__import__"}
_RAW_PATHS = ("/proc/self/mem", "/proc/self/fd", "/dev/fd/", "/dev/stdout", "/dev/stderr")

# Magics: what `get_ipython().run_line_magic(...)` may call without a flag, and which run Python.
_SHELL_CALLS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}
_LOADING_MAGICS = {
    "run", "load", "load_ext", "reload_ext", "unload_ext", "config", "alias_magic", "macro", "rerun",
    "recall", "history", "hist", "save", "pastebin", "autocall", "logstart", "store",
}  # fmt: skip
_PYTHON_MAGICS = {"time", "timeit", "capture", "prun", "debug"}


def reason_text(flag: dict) -> str:
    """The flag's reason in the active language (the stored text if the rule is not ours)."""
    rule = RULES.get(flag.get("rule", ""))
    return str(rule) if rule is not None else str(flag.get("reason", ""))


def graded_with_flags(
    engine: Engine,
    *,
    source: bytes,
    submission: bytes,
    files: dict[str, bytes] | None = None,
    feedback: bool = True,
    language: str | None = None,
) -> GradeResult:
    """Grade with *engine* (the release made for *language*), then add the tamper flags of the
    submitted notebook to the result (after any the engine found itself). The one place every engine's
    result gets its flags: the pipeline and `manage.py grade` both grade through it."""
    result = engine.grade(
        source=source, submission=submission, files=files, feedback=feedback, language=language
    )
    try:
        flags = scan_bytes(source=source, submission=submission)
    except Exception:  # noqa: BLE001 - a scan that breaks must not let the submission through unread
        logger.exception("tamper scan failed")
        flags = [
            {
                "cell": "",
                "line": 0,
                "reason": str(RULES["unchecked"]),
                "rule": "unchecked",
                "code": "",
            }
        ]
    seen = {(f.get("cell"), f.get("line"), f.get("rule")) for f in result.flags}
    for flag in flags:
        if (flag["cell"], flag["line"], flag["rule"]) not in seen:
            result.flags.append(flag)
    return result


def scan_bytes(*, source: bytes | None, submission: bytes) -> list[dict]:
    """`scan_notebook` on notebook files; a file that is not a notebook has nothing to flag (grading
    refuses it on its own)."""
    try:
        submitted = nbformat.reads(submission.decode("utf-8-sig"), as_version=4)
        instructor = nbformat.reads(source.decode("utf-8-sig"), as_version=4) if source else None
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError, KeyError):
        return []
    return scan_notebook(submitted, source=instructor)


def scan_notebook(submission, *, source=None) -> list[dict]:
    """The flags of every code cell the learner controls in *submission*: all but the locked and test
    cells of the instructor notebook *source* (restored from it before grading); without a source, all
    but the cells marked locked or test in *submission* itself. Each flag is
    `{"cell": grade id (or "cell-N" for a cell without one), "line": N, "reason": text, "rule": code,
    "code": the line}`."""
    restored = _restored_ids(source if source is not None else submission)
    grade_ids = _surviving_ids(submission.get("cells", []))
    cells = []
    for index, cell in enumerate(submission.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        grade_id = grade_ids[index]
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        cells.append((grade_id or f"cell-{index + 1}", text, bool(grade_id and grade_id in restored)))
    # Every cell shares one namespace: a name imported in one cell is that module in the next.
    aliases: dict[str, str] = {}
    for _cell, text, _restored in cells:
        tree = _parse(_as_python(text))
        if tree is not None:
            aliases.update(_imports(tree))
    flags: list[dict] = []
    for cell, text, restored_cell in cells:
        if not restored_cell:
            flags.extend(scan_source(text, cell=cell, aliases=aliases))
    return flags


def scan_source(text: str, *, cell: str, aliases: dict[str, str] | None = None) -> list[dict]:
    """The flags of one cell's source, in line order, one per line and rule. *aliases* are the imports
    of the notebook's other cells (local name → module path)."""
    lines = text.splitlines()
    found: dict[tuple[int, str], None] = {}
    for line, rule in _scan_python(_as_python(text), offset=0, aliases=aliases or {}):
        found.setdefault((line, rule))
    return [
        {
            "cell": cell,
            "line": line,
            "reason": str(RULES[rule]),
            "rule": rule,
            "code": lines[line - 1].strip()[:200] if 0 < line <= len(lines) else "",
        }
        for line, rule in sorted(found)
    ]


def _surviving_ids(cells: list) -> list[str | None]:
    """Each cell's grade id as grading sees it: nbgrader's `DeduplicateIds` keeps the last of the
    marked cells sharing an id and strips the others, which then run as the learner wrote them."""
    ids: list[str | None] = [None] * len(cells)
    seen: set[str] = set()
    for index in range(len(cells) - 1, -1, -1):
        meta = cells[index].get("metadata", {}).get("nbgrader") or {}
        if not isinstance(meta, dict) or not meta.get("grade_id"):
            continue
        if meta.get("grade") or meta.get("solution") or meta.get("locked"):
            if meta["grade_id"] in seen:
                continue
            seen.add(meta["grade_id"])
        ids[index] = meta["grade_id"]
    return ids


def _restored_ids(nb) -> set[str]:
    restored = set()
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        if not isinstance(meta, dict) or not meta.get("grade_id"):
            continue
        if meta.get("locked") or (meta.get("grade") and not meta.get("solution")):
            restored.add(meta["grade_id"])
    return restored


def _as_python(text: str) -> str:
    """The cell as IPython runs it: magics and shell escapes rewritten into `get_ipython()` calls
    (line numbers kept: a cell magic becomes one call on line 1)."""
    try:
        return TransformerManager().transform_cell(text)
    except Exception:  # noqa: BLE001 - IPython cannot transform it: it would not run it either
        return text


def _parse(code: str) -> ast.Module | None:
    try:
        return compile(code, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # IPython cannot compile it either, so it does not run


def _scan_python(code: str, *, offset: int, aliases: dict[str, str]) -> Iterator[tuple[int, str]]:
    tree = _parse(code)
    if tree is None:
        return
    yield from _Scan(tree, offset, aliases).flags()


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name → dotted module path, from the imports in *tree* (`import sys as s`, `from os import
    _exit as e`); names bound otherwise are not followed."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    aliases[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


class _Scan:
    """One pass over a parsed cell (`ast.walk` is iterative: a deeply nested expression cannot exhaust
    the stack), with each node's parent at hand for the context checks."""

    def __init__(self, tree: ast.Module, offset: int, aliases: dict[str, str]) -> None:
        self.tree = tree
        self.offset = offset
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.notebook_aliases = aliases
        self.aliases = {**{name: name for name in _KNOWN_MODULES}, **aliases, **_imports(tree)}

    def flags(self) -> Iterator[tuple[int, str]]:
        for node in ast.walk(self.tree):
            for rule in self._rules(node):
                yield getattr(node, "lineno", 1) + self.offset, rule
        for node, rule in self._rebound_builtins():
            yield node.lineno + self.offset, rule
        yield from self._magic_bodies()

    # -- one node -------------------------------------------------------------------------------------
    def _rules(self, node: ast.AST) -> Iterable[str]:
        if isinstance(node, ast.Import):
            return [rule for alias in node.names if (rule := _module_rule(alias.name))]
        if isinstance(node, ast.ImportFrom):
            return self._import_from(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, node.attr)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self._dunder_def(node)
        if isinstance(node, ast.Assign):
            return self._dunder_assign(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return ["raw_output"] if any(path in node.value for path in _RAW_PATHS) else []
        return []

    def _import_from(self, node: ast.ImportFrom) -> list[str]:
        if node.level or not node.module:
            return []
        rules = []
        for alias in node.names:
            qualified = _canonical(f"{node.module}.{alias.name}")
            if alias.name == "*" and _canonical(node.module) in _KNOWN_MODULES:
                rules.append("computed_name")  # brings settrace, _getframe, write... in unnamed
            elif rule := _module_rule(qualified) or _QUALIFIED.get(qualified) or _CALL_ONLY.get(qualified):
                rules.append(rule)
            elif qualified in _FD_FUNCTIONS:
                rules.append("raw_output")
        return rules

    def _name(self, node: ast.Name) -> list[str]:
        if not isinstance(node.ctx, ast.Load):
            return []
        name = node.id
        if name == "get_ipython":
            return [] if self._is_plain_magic_call(node) else ["ipython"]
        if name in _DYNAMIC_BUILTINS and self.aliases.get(name, name) != name:
            return []  # e.g. `from re import compile`
        if name in _NAMES:
            return [_NAMES[name]]
        if _HISTORY_NAME.match(name):
            return ["ipython"]
        return []

    def _attribute(self, node: ast.AST, attr: str) -> list[str]:
        rules = []
        if rule := _ATTRIBUTES.get(attr) or ("frames" if _CO_ATTRIBUTE.match(attr) else None):
            rules.append(rule)
        if attr == "register" and isinstance(node, ast.Attribute):
            base = node.value
            if isinstance(base, ast.Attribute) and base.attr == "events":
                rules.append("ipython")
        if attr in _COMPARISONS | _TYPE_CHECKS and isinstance(getattr(node, "ctx", None), ast.Store):
            rules.append("always_equal")  # `Cls.__eq__ = ...` patched onto a class at run time
        qualified = self._qualified(node.value) if isinstance(node, ast.Attribute) else None
        if qualified:
            full = _canonical(f"{qualified}.{attr}")
            if rule := _QUALIFIED.get(full) or _module_rule(full):
                rules.append(rule)
            if full in _SYS_STORES and self._is_mutated(node):
                rules.append(_SYS_STORES[full])
            if attr == "__dict__" and _canonical(qualified).split(".")[0] in _KNOWN_MODULES:
                rules.append("computed_name")
        return rules

    def _call(self, node: ast.Call) -> list[str]:
        func = node.func
        rules = []
        name = func.id if isinstance(func, ast.Name) else None
        if name in _ATTRIBUTE_CALLS and len(node.args) >= 2 and self.aliases.get(name, name) == name:
            attr = node.args[1]
            if isinstance(attr, ast.Constant) and isinstance(attr.value, str):
                rules.extend(self._attribute_by_name(node.args[0], attr.value))
            else:
                rules.append("computed_name")
        if name == "vars" and node.args and self._qualified(node.args[0]) in _KNOWN_MODULES:
            rules.append("computed_name")
        if (
            name in _NAMESPACE_CALLS
            and not node.args
            and self.aliases.get(name, name) == name
            and not isinstance(self.parents.get(node), ast.Compare)
        ):
            # The namespace itself (read by a name built at run time, or printed whole) holds `In` and
            # `_ih`, the tests' code that ran before; only `name in globals()` reads nothing of it.
            rules.append("computed_name")
        if name == "open" and node.args and _is_std_fd(node.args[0]):
            rules.append("raw_output")
        qualified = self._qualified(func)
        if qualified and (rule := _CALL_ONLY.get(_canonical(qualified))):
            rules.append(rule)
        if qualified and _canonical(qualified) in _FD_FUNCTIONS:
            fds = node.args[:2] if _canonical(qualified) == "os.dup2" else node.args[:1]
            if not fds or any(not _is_other_fd(arg) for arg in fds):
                rules.append("raw_output")
        if isinstance(func, ast.Attribute) and func.attr in _MUTATING_METHODS:
            target = self._qualified(func.value)
            if target and _canonical(target) in _SYS_STORES:
                rules.append(_SYS_STORES[_canonical(target)])
            if _is_namespace_call(func.value):
                rules.append("computed_name")
        return rules

    def _attribute_by_name(self, obj: ast.AST, attr: str) -> list[str]:
        """`getattr(obj, "name")` read as `obj.name`."""
        rules = [rule for rule in [_ATTRIBUTES.get(attr)] if rule]
        qualified = self._qualified(obj)
        if qualified:
            full = _canonical(f"{qualified}.{attr}")
            if rule := _QUALIFIED.get(full) or _SYS_STORES.get(full):
                rules.append(rule)
            if full in _FD_FUNCTIONS:
                rules.append("raw_output")
        if attr.startswith("__") and attr.endswith("__") and attr in _COMPARISONS | _TYPE_CHECKS:
            rules.append("always_equal")
        return rules

    def _subscript(self, node: ast.Subscript) -> list[str]:
        if not isinstance(node.ctx, (ast.Store, ast.Del)):
            return []
        if _is_namespace_call(node.value):
            return ["computed_name"]
        qualified = self._qualified(node.value)
        if qualified and _canonical(qualified) in _SYS_STORES:
            return [_SYS_STORES[_canonical(qualified)]]
        return []

    def _dunder_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
        if node.name in _TYPE_CHECKS:
            return ["always_equal"]
        if node.name in _COMPARISONS and isinstance(self.parents.get(node), ast.ClassDef):
            returns = [
                n.value
                for n in ast.walk(node)
                if isinstance(n, ast.Return)
                and not (isinstance(n.value, ast.Name) and n.value.id == "NotImplemented")
            ]
            if returns and all(_is_fixed_answer(value) for value in returns):
                return ["always_equal"]
        return []

    def _dunder_assign(self, node: ast.Assign) -> list[str]:
        """`__eq__ = lambda self, other: True` in a class body."""
        if not isinstance(self.parents.get(node), ast.ClassDef):
            return []
        names = {t.id for t in node.targets if isinstance(t, ast.Name)}
        if names & _TYPE_CHECKS:
            return ["always_equal"]
        value = node.value
        if names & _COMPARISONS and (not isinstance(value, ast.Lambda) or _is_fixed_answer(value.body)):
            return ["always_equal"]
        return []

    # -- whole cell -----------------------------------------------------------------------------------
    def _rebound_builtins(self) -> Iterator[tuple[ast.AST, str]]:
        """A built-in redefined in the notebook's namespace (the tests' `len`, `all` or `isinstance`
        would be the learner's): a function, a class, a lambda or another callable bound to a built-in
        name at the top level of the cell. Plain data (`sum = 0`) is left alone: beginners write it."""
        for node in _top_level(self.tree.body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if node.name in _BUILTIN_NAMES:
                    yield node, "builtins"
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                rebinds = any(isinstance(t, ast.Name) and t.id in _BUILTIN_NAMES for t in targets)
                if rebinds and isinstance(node.value, (ast.Lambda, ast.Name, ast.Attribute)):
                    yield node, "builtins"

    def _magic_bodies(self) -> Iterator[tuple[int, str]]:
        """Magics that run in the kernel: the denied ones are flags, the Python they run is scanned."""
        for node in ast.walk(self.tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and self._is_plain_magic_call(node.func)
            ):
                continue
            kind = node.func.attr
            args = [
                a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                for a in node.args
            ]
            if kind not in ("run_line_magic", "run_cell_magic") or not args or args[0] is None:
                continue
            magic, line = args[0], args[1] if len(args) > 1 else None
            where = node.lineno + self.offset
            if magic in _LOADING_MAGICS:
                yield where, "magic"
            elif magic in _PYTHON_MAGICS and line:
                yield from _scan_statement(line, offset=where - 1, aliases=self.notebook_aliases)
            if kind == "run_cell_magic" and len(args) > 2 and args[2] is not None:
                body = args[2]
                if magic in _PYTHON_MAGICS:
                    yield from _scan_python(_as_python(body), offset=where, aliases=self.notebook_aliases)

    # -- helpers --------------------------------------------------------------------------------------
    def _qualified(self, node: ast.AST) -> str | None:
        """`a.b.c` with its root resolved through the cell's imports, for a Name/Attribute chain."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.aliases:
            return None
        return ".".join([self.aliases[node.id], *reversed(parts)])

    def _is_mutated(self, node: ast.Attribute) -> bool:
        return isinstance(node.ctx, (ast.Store, ast.Del))

    def _is_plain_magic_call(self, node: ast.AST) -> bool:
        """`get_ipython().run_line_magic("name", ...)` and the like, as IPython writes magics and shell
        escapes — nothing else reaches the shell without a flag."""
        if isinstance(node, ast.Name):
            call = self.parents.get(node)
            attribute = self.parents.get(call)
            return (
                isinstance(call, ast.Call)
                and call.func is node
                and not call.args
                and isinstance(attribute, ast.Attribute)
                and self._is_plain_magic_call(attribute)
            )
        if not (isinstance(node, ast.Attribute) and node.attr in _SHELL_CALLS):
            return False
        getter = node.value
        outer = self.parents.get(node)
        return (
            isinstance(getter, ast.Call)
            and isinstance(getter.func, ast.Name)
            and getter.func.id == "get_ipython"
            and isinstance(outer, ast.Call)
            and outer.func is node
            and bool(outer.args)
            and isinstance(outer.args[0], ast.Constant)
            and isinstance(outer.args[0].value, str)
        )


def _scan_statement(line: str, *, offset: int, aliases: dict[str, str]) -> Iterator[tuple[int, str]]:
    """The Python of a `%time`/`%timeit` line, its leading options dropped (`-n 10 -r 3 stmt`)."""
    words = line.split(" ")
    for start in range(min(len(words), 8)):
        code = " ".join(words[start:])
        if _parse(code) is not None:
            yield from _scan_python(code, offset=offset, aliases=aliases)
            return


def _module_rule(name: str) -> str | None:
    if any(name == allowed or name.startswith(allowed + ".") for allowed in _ALLOWED_MODULES):
        return None
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if rule := _MODULES.get(".".join(parts[:end])):
            return rule
    return None


def _canonical(qualified: str) -> str:
    return "os" + qualified[5:] if qualified.startswith("posix") else qualified


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at the cell's top level, inside `if`/`for`/`while`/`with`/`try` too."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            yield from _top_level(node.body)
            yield from _top_level(getattr(node, "orelse", []))
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _top_level(block)


def _is_fixed_answer(value: ast.AST | None) -> bool:
    """A constant answer (`True`, `1`, `"x"`), not a computed one (a bare `return` gives None, which
    compares as false: no forgery)."""
    return isinstance(value, ast.Constant) and value.value is not None


def _is_namespace_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _NAMESPACE_CALLS


def _is_std_fd(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value in (0, 1, 2)


def _is_other_fd(node: ast.AST) -> bool:
    """A descriptor known not to be the process's own input or output (a constant above 2)."""
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value > 2
