"""Tampering with the grader from a solution cell: with the fork engine every technique here is graded
0 or flagged, never a silent full score. Each replaces the `link` solution of the web demo exercise by
one that does not work plus the trick, so `test_link` (2 points) must score 0; the tests of the other
functions still pass."""

from __future__ import annotations

import pytest

from grading.engines.fork_engine import ForkEngine
from grading.sandbox import Limits, SandboxConfig
from tests.factories import demo_notebook
from tests.grading import notebooks

pytestmark = pytest.mark.engine

BROKEN = "import html\n\ndef link(url, text):\n    return None\n"

TECHNIQUES = {
    "input_transformers_post": "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])",
    "input_transformers_cleanup": (
        "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])"
    ),
    "ast_transformer_drops_asserts": (
        "import ast\n"
        "class Drop(ast.NodeTransformer):\n"
        "    def visit_Assert(self, node):\n"
        "        return ast.Pass()\n"
        "get_ipython().ast_transformers.append(Drop())"
    ),
    "patched_showtraceback": (
        "import sys\n"
        "ip = get_ipython()\n"
        "ip.showtraceback = lambda *a, **k: None\n"
        "ip._showtraceback = lambda *a, **k: None\n"
        "sys.stderr = open('/dev/null', 'w')"
    ),
    "patched_run_cell": (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "_run = InteractiveShell.run_cell\n"
        "def run_cell(self, raw_cell, *args, **kwargs):\n"
        "    return _run(self, 'pass' if 'assert' in raw_cell else raw_cell, *args, **kwargs)\n"
        "InteractiveShell.run_cell = run_cell"
    ),
    "post_run_cell_clears_errors": (
        "ip = get_ipython()\n"
        "ip._showtraceback = lambda *a, **k: None\n"
        "def forget(result):\n"
        "    result.error_in_exec = None\n"
        "ip.events.register('post_run_cell', forget)"
    ),
    "always_equal_object": (
        "class Anything:\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "def link(url, text):\n"
        "    return Anything()"
    ),
    "str_subclass_equal_to_all": (
        "class Text(str):\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    __hash__ = str.__hash__\n"
        "def link(url, text):\n"
        "    return Text('')"
    ),
    "os_exit": "import os\nos._exit(0)",
    "settrace_skips_asserts": (
        "import linecache, sys\n"
        "def skip(frame, event, arg):\n"
        "    if event == 'line':\n"
        "        line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()\n"
        "        if line.startswith('assert'):\n"
        "            try:\n"
        "                frame.f_lineno += 1\n"
        "            except ValueError:\n"
        "                pass\n"
        "    return skip\n"
        "sys.settrace(skip)"
    ),
    "builtins_rebinding": (
        "import builtins\n"
        "builtins.AssertionError = type('AssertionError', (Warning,), {})\n"
        "builtins.Exception = Warning"
    ),
}


@pytest.fixture(scope="module")
def engine():
    return ForkEngine(limits=Limits(notebook_seconds=60, cell_seconds=5), sandbox_config=SandboxConfig())


@pytest.mark.parametrize("technique", sorted(TECHNIQUES))
def test_tampering_scores_zero_for_the_broken_function(engine, technique):
    result = engine.grade(
        source=demo_notebook(),
        submission=notebooks.with_solution(BROKEN + TECHNIQUES[technique]),
        feedback=False,
    )
    assert result.status == "graded", result.error
    scores = {c.grade_id: c.score for c in result.cells}
    assert scores["test_link"] == 0.0 or result.flags, scores


def _live_object_exercise(solution: str) -> bytes:
    """An exercise whose test needs an instance of the learner's class (the in-process fallback)."""
    return notebooks.python_notebook(
        [
            notebooks.solution_cell(solution, "make"),
            notebooks.autograder_cell("assert isinstance(make(), Thing)", "t_thing"),
        ]
    )


HONEST = (
    "class Thing:\n    pass\n\ndef make():\n    ### BEGIN SOLUTION\n    return Thing()\n    ### END SOLUTION"
)


def test_a_test_needing_live_objects_runs_in_process_and_says_so(engine):
    """An isinstance check against the learner's class cannot be decided from plain data: the test
    runs in the learner's process, is recorded as such, and an honest solution is not flagged."""
    source = _live_object_exercise(HONEST)
    result = engine.grade(source=source, submission=source, feedback=False)
    assert result.status == "graded", result.error
    assert result.score == 1.0
    assert result.in_process == ["t_thing"]
    assert result.flags == []


def test_tampering_before_an_in_process_test_is_flagged(engine):
    """The same exercise, with the function broken and an input transformer that turns every later
    cell into `pass`: the in-process test passes, but the changed machinery is flagged."""
    source = _live_object_exercise(HONEST)
    tampered = _live_object_exercise(
        "class Thing:\n    pass\n\ndef make():\n    return None\n"
        "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n"
    )
    result = engine.grade(source=source, submission=tampered, feedback=False)
    assert result.status == "graded", result.error
    assert result.in_process == ["t_thing"]
    assert [f["cell"] for f in result.flags] == ["t_thing"]
    assert "input_transformers_post" in result.flags[0]["reason"]
