"""The fork engine: each way a cell's outputs decide its score gives the reference engine's score, and
nothing one submission changes is visible to the next one the same zygote forks."""

from __future__ import annotations

import json

import pytest

from grading.engines.fork_engine import ForkEngine
from grading.forkserver import client
from grading.sandbox import Limits, SandboxConfig
from tests.factories import demo_notebook
from tests.grading import notebooks
from tests.grading.engine_features import features_notebook

pytestmark = pytest.mark.engine

LIMITS = Limits(notebook_seconds=60, cell_seconds=3)
# What the reference engine (nbgrader's Execute in a kernel) scores for each cell of the features
# notebook, checked against it when this notebook was written.
REFERENCE = {
    "t_pass": 1.0,
    "t_fail": 0.0,
    "t_partial": 0.5,
    "t_text_result": 1.0,
    "t_stderr": 0.0,
    "t_fd_stderr": 0.0,
    "t_fd_stdout": 1.0,
    "t_warning": 0.0,
    "t_shell": 1.0,
    "t_magic": 1.0,
    "t_cell_magic": 1.0,
    "t_input": 0.0,
    "t_display": 1.0,
    "t_syntax": 0.0,
    "t_system_exit": 0.0,
    "t_flood": 1.0,
    "t_timeout": 0.0,
    "t_after_timeout": 1.0,
}


@pytest.fixture
def engine(settings):
    return ForkEngine(limits=LIMITS, sandbox_config=SandboxConfig.from_settings())


def _outputs(result, grade_id: str) -> list[dict]:
    for cell in result.graded_notebook["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return cell.get("outputs", [])
    raise AssertionError(f"no cell {grade_id}")


def test_each_output_rule_scores_as_the_reference_engine(engine):
    """Errors, stderr (from Python or the file descriptor), warnings, partial credit, magics, shell
    escapes, input(), rich display, a flood of output and a timed-out cell: the reference scores."""
    source = features_notebook()
    result = engine.grade(source=source, submission=source)
    assert result.status == "graded", result.error
    assert {c.grade_id: c.score for c in result.cells} == REFERENCE
    assert _outputs(result, "t_input")[0]["ename"] == "StdinNotImplementedError"
    assert _outputs(result, "t_timeout")[-1]["ename"] == "KeyboardInterrupt"
    assert "hello from the shell" in json.dumps(_outputs(result, "t_shell"))
    display = _outputs(result, "t_display")
    assert display[0]["output_type"] == "display_data"
    assert display[0]["data"]["text/html"] == "<b>bold</b>"
    assert "<b>bold</b>" in result.feedback_html
    flood = json.dumps(_outputs(result, "t_flood"))
    assert "Output truncated" in flood
    assert len(flood) < 1024 * 1024


def test_a_submission_sees_nothing_the_previous_one_changed(engine):
    """Submission A changes a module attribute, a builtin, a global, a file in its directory and in
    /tmp, and an environment variable; B, forked next by the same zygote, sees none of it."""
    change = (
        "import builtins, json, os\n"
        "json.dumps = lambda *a, **k: 'CHANGED'\n"
        "builtins.LEAKED_BUILTIN = 1\n"
        "LEAKED_GLOBAL = 1\n"
        "open('leaked.txt', 'w').write('A')\n"
        "open('/tmp/leaked.txt', 'w').write('A')\n"
        "os.environ['LEAKED_ENV'] = 'A'\n"
    )
    look = (
        "import builtins, json, os\n"
        "print('SEEN', sorted(k for k, v in {\n"
        "    'module': json.dumps(1) == 'CHANGED',\n"
        "    'builtin': hasattr(builtins, 'LEAKED_BUILTIN'),\n"
        "    'global': 'LEAKED_GLOBAL' in globals(),\n"
        "    'file': os.path.exists('leaked.txt'),\n"
        "    'tmp': os.path.exists('/tmp/leaked.txt'),\n"
        "    'env': 'LEAKED_ENV' in os.environ,\n"
        "}.items() if v))\n"
    )
    first = engine.grade(source=demo_notebook(), submission=notebooks.with_solution("import html\n" + change))
    second = engine.grade(source=demo_notebook(), submission=notebooks.with_solution("import html\n" + look))
    assert first.status == second.status == "graded"
    assert "SEEN []" in json.dumps(_outputs(second, "link"))


def test_solved_demo_exercises_get_full_marks(engine):
    """The three demo exercises, solved, score their maximum."""
    for name in ("web_html_functions", "game_logic", "smm_engagement"):
        source = notebooks.solved(name)
        result = engine.grade(source=source, submission=source, feedback=False)
        assert result.status == "graded", result.error
        assert result.score == result.max_score > 0


def test_warming_up_starts_the_zygote_the_next_grading_uses(engine):
    """`warm()` (called as a grading worker's pool process starts) starts this process's zygote; the
    next submission is run by that zygote, not by a new one."""
    client._close_all()
    engine.warm()
    (started,) = client._zygotes.values()
    assert started.alive()
    source = notebooks.solved()
    assert engine.grade(source=source, submission=source).status == "graded"
    assert list(client._zygotes.values()) == [started]
    assert started.alive()
