"""The tamper scan (`grading.tamper`): every trick of the corpus is flagged, honest notebooks are not."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import nbformat
import nbgrader
import pytest
from django.core.management import call_command

from grading import tamper
from grading.engines import Engine, GradeResult
from tests.factories import DEMO_NOTEBOOKS
from tests.grading import notebooks, tamper_corpus

NBGRADER = Path(nbgrader.__file__).parent
# nbgrader's own examples of a learner patching IPython's traceback display: they must be flagged.
NBGRADER_CHEATS = {"submitted-cheat-attempt.ipynb", "submitted-cheat-attempt-alternative.ipynb"}

# The rule each trick must raise (others may come with it).
EXPECTED_RULES = {
    "input_transformers_post": "ipython",
    "ast_transformer_drops_asserts": "ipython",
    "patched_showtraceback": "ipython",
    "patched_run_cell": "ipython",
    "post_run_cell_event": "ipython",
    "os_exit": "exit",
    "settrace": "trace",
    "builtins_rebinding": "builtins",
    "sys_modules_surgery": "modules",
    "getattr_computed_name": "computed_name",
    "exec_base64": "dynamic_code",
    "ctypes": "ctypes",
    "frame_globals": "frames",
    "raw_fd_write": "raw_output",
    "signal_handler": "signal",
    "atexit_hook": "atexit",
    "gc_objects": "gc",
    "dunder_import": "dynamic_code",
    "always_equal": "always_equal",
}


def _cell_notebook(*sources: str, metadata: dict | None = None) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    if metadata is not None:
        cells[0].metadata["nbgrader"] = metadata
    return nbformat.v4.new_notebook(cells=cells)


def _rules(*sources: str) -> set[tuple[int, str]]:
    return {(flag["line"], flag["rule"]) for flag in tamper.scan_notebook(_cell_notebook(*sources))}


@pytest.mark.parametrize(
    ("name", "source", "submission"), tamper_corpus.corpus(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_trick_of_the_corpus_is_flagged(name, source, submission):
    """Each grade-forging trick is flagged in the solution cell it was added to, with its line and a
    reason a teacher can read."""
    flags = tamper.scan_bytes(source=source, submission=submission)
    assert EXPECTED_RULES[name] in {flag["rule"] for flag in flags}, flags
    assert all(flag["reason"] and flag["code"] for flag in flags)
    cells = {flag["cell"] for flag in flags}
    assert cells <= {"link", "bullet_list", "slugify"}


def test_the_corpus_has_at_least_ten_techniques():
    """The corpus covers the techniques the issue names, at least ten of them."""
    names = [name for name, _source, _submission in tamper_corpus.corpus()]
    assert len(set(names)) >= 10
    assert set(names) == set(EXPECTED_RULES)


def test_unsolved_and_solved_demo_notebooks_have_no_flag():
    """An honest submission, solved or not, gets no flag: every demo exercise's solutions, and the
    corpus's submission without its trick."""
    for path in sorted(DEMO_NOTEBOOKS.glob("*.ipynb")):
        assert tamper.scan_bytes(source=path.read_bytes(), submission=path.read_bytes()) == [], path.name
    assert tamper.scan_bytes(source=notebooks.solved(), submission=tamper_corpus.unsolved()) == []


def test_nbgrader_corpus_has_no_flag_but_its_cheat_attempts():
    """The notebooks nbgrader ships (its test files and documentation) are not flagged, except its two
    cheat attempts, which patch IPython's traceback display and are flagged for it."""
    paths = sorted((NBGRADER / "tests" / "apps" / "files").glob("*.ipynb"))
    paths += sorted((NBGRADER / "docs").rglob("*.ipynb"))
    assert len(paths) > 40
    flagged = set()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if tamper.scan_notebook(nb):
            flagged.add(path.name)
    assert flagged == NBGRADER_CHEATS


def test_flag_names_the_cell_line_and_code():
    """A flag carries the cell's grade id, the 1-based line in the learner's cell, the line itself, the
    rule and its reason."""
    nb = _cell_notebook(
        "x = 1\n\nimport sys\nsys.settrace(None)\n", metadata={"grade_id": "mine", "solution": True}
    )
    (flag,) = tamper.scan_notebook(nb)
    assert flag == {
        "cell": "mine",
        "line": 4,
        "rule": "trace",
        "reason": str(tamper.RULES["trace"]),
        "code": "sys.settrace(None)",
    }


def test_locked_and_test_cells_are_not_scanned_but_added_cells_are():
    """Locked and test cells are restored from the instructor notebook before grading, so what a
    submission puts there is not the learner's code; a cell the learner added is scanned, named by its
    position."""
    source = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import gc", metadata={"nbgrader": {"grade_id": "setup", "locked": True}}
            ),
            nbformat.v4.new_code_cell(
                "assert True", metadata={"nbgrader": {"grade_id": "test_a", "grade": True, "solution": False}}
            ),
        ]
    )
    submission = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import gc", metadata={"nbgrader": {"grade_id": "setup", "locked": True}}
            ),
            nbformat.v4.new_code_cell(
                "import ctypes",
                metadata={"nbgrader": {"grade_id": "test_a", "grade": True, "solution": False}},
            ),
            nbformat.v4.new_code_cell("import atexit"),
        ]
    )
    flags = tamper.scan_notebook(submission, source=source)
    assert [(f["cell"], f["rule"]) for f in flags] == [("cell-3", "atexit")]


def test_a_cell_reusing_a_test_cells_id_is_scanned():
    """nbgrader keeps the last of the cells marked with one id and runs the others as written: an earlier
    cell wearing the id of a test cell is the learner's code and is scanned."""
    source = notebooks.load()
    submission = notebooks.load()
    test_cell = next(
        c for c in submission.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_link"
    )
    impostor = nbformat.v4.new_code_cell(
        "import gc", metadata={"nbgrader": dict(test_cell.metadata.nbgrader)}
    )
    submission.cells.insert(submission.cells.index(test_cell), impostor)
    flags = tamper.scan_notebook(submission, source=source)
    assert [(f["rule"], f["code"]) for f in flags] == [("gc", "import gc")]


def test_magics_are_read_as_ipython_runs_them():
    """Plotting and shell magics are fine; magics that load or replay code are flagged, and the Python a
    timing or capturing magic runs is scanned at its own line."""
    assert _rules("%matplotlib inline\n!ls -l\nfiles = !ls\nlen?") == set()
    assert _rules("%config InteractiveShell.ast_node_interactivity = 'all'") == {(1, "magic")}
    assert _rules("%load_ext mine") == {(1, "magic")}
    assert _rules("%history -g") == {(1, "magic")}
    assert _rules("x = 1\n%timeit -n 1 exec('y = 2')") == {(2, "dynamic_code")}
    assert _rules("%%capture out\nx = 1\nimport gc\n") == {(3, "gc")}


def test_ordinary_code_is_not_flagged():
    """What learners write every day is not a flag: a `compile` imported from `re`, data bound to a
    built-in name, an honest `__eq__`, getattr with a constant harmless name, printing to stderr."""
    honest = (
        "from re import compile\n"
        "pattern = compile(r'[a-z]+')\n"
        "sum = 0\n"
        "max_value = max([1, 2])\n"
        "import sys\n"
        "print('warning', file=sys.stderr)\n"
        "class Point:\n"
        "    def __init__(self, x):\n"
        "        self.x = x\n"
        "    def __eq__(self, other):\n"
        "        if not isinstance(other, Point):\n"
        "            return NotImplemented\n"
        "        return self.x == other.x\n"
        "name = getattr(Point(1), 'x')\n"
        "import numpy as np\n"
        "from IPython.display import display, HTML\n"
    )
    assert _rules(honest) == set()


def test_ways_to_hide_a_flag_are_flags():
    """Aliases (in the same cell or an earlier one), attribute names built at run time, names written
    or read through `globals()` (or the namespace imported as `__main__`), a built-in redefined as a
    function, a comparison returning a fixed answer, and IPython's input history (which holds the
    tests' code) are all flagged."""
    assert _rules("import sys as s", "s.settrace(print)") == {(1, "trace")}
    assert _rules("from os import _exit as leave") == {(1, "exit")}
    assert _rules("import os\ngetattr(os, name)") == {(2, "computed_name")}
    assert _rules("getattr(__import__('sys'), 'settrace')") >= {(1, "dynamic_code"), (1, "trace")}
    assert _rules("globals()['len'] = lambda x: 0") == {(1, "computed_name")}
    assert _rules("def isinstance(obj, cls):\n    return True") == {(1, "builtins")}
    assert _rules("all = lambda items: True") == {(1, "builtins")}
    assert _rules("class A:\n    __eq__ = lambda self, other: True") == {(2, "always_equal")}
    assert _rules("print(In[-1])") == {(1, "ipython")}
    assert _rules("print(globals()['I' + 'n'])") == {(1, "computed_name")}
    assert _rules("names = locals()\nprint(names)") == {(1, "computed_name")}
    assert _rules("import __main__\nprint(__main__.In)") == {(1, "ipython"), (2, "ipython")}
    assert _rules("from __main__ import In as history") == {(1, "ipython")}
    assert _rules("found = 'total' in globals()") == set()
    assert _rules("import sys\nsys.modules.pop('re')") == {(2, "modules")}
    assert _rules("import sys\nsys.stdout = open('/tmp/x', 'w')") == {(2, "raw_output")}


def test_a_cell_that_cannot_be_parsed_runs_nothing_and_gives_no_flag():
    """A syntax error stops IPython before any of the cell runs: nothing to flag."""
    assert _rules("def broken(:\n    import gc") == set()


class _FixedEngine(Engine):
    name = "fixed"

    def grade(self, *, source, submission, files=None, feedback=True, language=None) -> GradeResult:
        return GradeResult(
            status="graded",
            score=5.0,
            max_score=5.0,
            engine=self.name,
            flags=[{"cell": "link", "line": 1, "reason": "changed the display hook", "rule": "engine"}],
        )


def test_every_engine_result_gets_the_scan_flags_after_its_own():
    """`graded_with_flags` keeps the flags an engine found and adds the scan's; the contract carries
    cell, line and reason."""
    name, source, submission = tamper_corpus.corpus()[0]
    result = tamper.graded_with_flags(_FixedEngine(), source=source, submission=submission)
    assert result.flags[0]["rule"] == "engine"
    assert "ipython" in {flag["rule"] for flag in result.flags[1:]}
    contract = result.as_contract()
    assert all(set(flag) == {"cell", "line", "reason"} for flag in contract["flags"])


@pytest.mark.engine
def test_grade_command_prints_the_flags(tmp_path):
    """`manage.py grade --json` adds the flags of the submitted code to its object."""
    submission = {name: data for name, _source, data in tamper_corpus.corpus()}["os_exit"]
    path = tmp_path / "submission.ipynb"
    path.write_bytes(submission)
    out = StringIO()
    call_command("grade", str(DEMO_NOTEBOOKS / "web_html_functions.ipynb"), str(path), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["score"] == 0.0
    assert result["flags"][0] == {"cell": "link", "line": 2, "reason": str(tamper.RULES["exit"])}
