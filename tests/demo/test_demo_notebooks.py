"""The demo's notebook exercises: written in Russian, graded as pinned."""

from __future__ import annotations

import ast
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

from demo.exercises import DEMO_EXERCISES, NOTEBOOKS
from grading.engines.nbgrader_engine import NbgraderEngine

NAMES = sorted(notebook for _slug, _title, notebook, _intro in DEMO_EXERCISES.values())
# grade id → points of every graded cell: translating the texts must not change what is graded.
GRADED_CELLS = {
    "game_logic": {"test_clamp": 1, "test_collides": 2, "test_score": 2},
    "smm_engagement": {"test_engagement_rate": 2, "test_best_post": 2, "test_follower_growth": 1},
    "web_html_functions": {"test_link": 2, "test_bullet_list": 2, "test_slugify": 1},
}
CODE_SPAN = re.compile(r"`[^`]*`")
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def _cells(name: str) -> list[dict]:
    notebook = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    return [{**cell, "source": "".join(cell["source"])} for cell in notebook["cells"]]


def test_every_demo_notebook_is_pinned():
    """The pinned table covers exactly the notebooks the demo registers."""
    assert sorted(GRADED_CELLS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_graded_cells_and_points_are_unchanged(name):
    """The graded cells keep their ids and points, so translating the notebook changes no grade."""
    graded = {
        cell["metadata"]["nbgrader"]["grade_id"]: cell["metadata"]["nbgrader"]["points"]
        for cell in _cells(name)
        if cell["metadata"].get("nbgrader", {}).get("grade")
    }
    assert graded == GRADED_CELLS[name]


@pytest.mark.parametrize("name", NAMES)
def test_instructions_are_russian(name):
    """Every Markdown cell is Russian prose: outside code spans no English phrase is left."""
    for cell in _cells(name):
        if cell["cell_type"] == "markdown":
            prose = CODE_SPAN.sub("", cell["source"])
            assert CYRILLIC.search(prose), cell["source"]
            assert not ENGLISH_PHRASE.search(prose), cell["source"]


@pytest.mark.parametrize("name", NAMES)
def test_every_check_explains_itself_in_russian(name):
    """Each assertion of a test cell carries a Russian message, which is what a learner reads when it
    fails (a bare `AssertionError` says nothing)."""
    asserts = [
        node
        for cell in _cells(name)
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("grade")
        for node in ast.walk(ast.parse(cell["source"]))
        if isinstance(node, ast.Assert)
    ]
    assert asserts
    for node in asserts:
        assert isinstance(node.msg, ast.Constant), ast.unparse(node)
        assert CYRILLIC.search(node.msg.value), ast.unparse(node)


def _grade(source: str, submission: str) -> dict:
    out = StringIO()
    call_command(
        "grade", source, submission, "--json", "--engine", "nbgrader", "--language", "ru", stdout=out
    )
    return json.loads(out.getvalue())


@pytest.mark.engine
@pytest.mark.parametrize("name", NAMES)
def test_solutions_earn_full_marks_and_the_starter_none(name, tmp_path):
    """Graded against itself, the instructor notebook earns every point; the starter notebook learners
    get (released in Russian: «# ВАШ КОД ЗДЕСЬ» where each solution was) earns none: the solutions and
    the tests still work together after the translation."""
    source = NOTEBOOKS / f"{name}.ipynb"
    release, cells, max_score = NbgraderEngine().release(source=source.read_bytes(), language="ru")
    assert "# ВАШ КОД ЗДЕСЬ" in release.decode()
    assert "YOUR CODE HERE" not in release.decode()
    starter = tmp_path / "starter.ipynb"
    starter.write_bytes(release)
    assert max_score == sum(GRADED_CELLS[name].values())
    solved = _grade(str(source), str(source))
    assert (solved["status"], solved["score"], solved["max_score"]) == ("graded", max_score, max_score)
    untouched = _grade(str(source), str(starter))
    assert (untouched["status"], untouched["score"]) == ("graded", 0.0)
