"""The stub nbgrader leaves where a solution was follows the exercise's language, and every engine (the
reference nbgrader command line included) releases and grades with the same stub: an answer cell a
learner left as released is "no answer" for all of them."""

from __future__ import annotations

import json
from pathlib import Path

import nbgrader
import pytest
from traitlets.config import Config

from grading.engines import get_engine, stubs
from grading.engines.nbgrader_engine import NbgraderEngine
from tests.factories import demo_notebook

PROBLEM1 = Path(nbgrader.__file__).parent / "docs/source/user_guide/source/ps1/problem1.ipynb"
# problem1's answers graded by hand: a written one (a Markdown cell) and one in code.
ANSWER_CELLS = {"sum_of_squares_equation", "sum_of_squares_application"}


def _solution_sources(release: bytes) -> list[str]:
    """The solution cells of a release, each line without its indentation."""
    return [
        "\n".join(line.strip() for line in "".join(cell["source"]).splitlines())
        for cell in json.loads(release)["cells"]
        if cell["metadata"].get("nbgrader", {}).get("solution")
    ]


def test_russian_and_tatar_stubs_english_is_nbgrader_s_own():
    """Russian and Tatar have their own stubs for every kernel language nbgrader knows; English, no
    language and a language without stubs leave nbgrader's defaults alone."""
    assert stubs.code_stubs("ru")["python"] == "# ВАШ КОД ЗДЕСЬ\nraise NotImplementedError()"
    assert stubs.text_stub("ru") == "ВАШ ОТВЕТ ЗДЕСЬ"
    assert stubs.code_stubs("tt")["python"] == "# СЕЗНЕҢ КОДЫГЫЗ МОНДА\nraise NotImplementedError()"
    assert stubs.text_stub("tt") == "СЕЗНЕҢ ҖАВАБЫГЫЗ МОНДА"
    from nbgrader.preprocessors import ClearSolutions

    assert set(stubs.code_stubs("ru")) == set(ClearSolutions().code_stub)
    for language in ("en", None, "", "de"):
        assert stubs.clear_solutions_config(language) == {}
        assert stubs.nbgrader_config_lines(language) == ""


def test_the_command_line_configuration_is_the_engines_configuration():
    """The lines written into the nbgrader command line's `nbgrader_config.py` configure exactly the
    stubs the engines use."""
    c = Config()
    exec(stubs.nbgrader_config_lines("ru"), {"c": c})  # noqa: S102 - our own generated lines
    assert dict(c.ClearSolutions) == stubs.clear_solutions_config("ru")


@pytest.mark.engine
@pytest.mark.parametrize(
    ("language", "stub"),
    [
        ("ru", "# ВАШ КОД ЗДЕСЬ\nraise NotImplementedError()"),
        ("tt", "# СЕЗНЕҢ КОДЫГЫЗ МОНДА\nraise NotImplementedError()"),
        (None, "# YOUR CODE HERE\nraise NotImplementedError()"),
    ],
)
def test_the_release_carries_the_stub_of_its_language(language, stub):
    """Every solution of the released notebook is replaced by the stub of the exercise's language, and
    by no other; the graded cells and points do not depend on the language."""
    release, cells, max_score = NbgraderEngine().release(source=demo_notebook(), language=language)
    solutions = _solution_sources(release)
    assert solutions
    assert all(stub in source for source in solutions), solutions
    others = {"# ВАШ КОД ЗДЕСЬ", "# СЕЗНЕҢ КОДЫГЫЗ МОНДА", "# YOUR CODE HERE"} - {stub.split("\n")[0]}
    assert not any(other in source for source in solutions for other in others)
    assert max_score == 5.0
    assert [c["grade_id"] for c in cells] == ["test_link", "test_bullet_list", "test_slugify"]


@pytest.fixture(scope="module")
def russian_starter() -> bytes:
    """nbgrader's own problem 1 released in Russian: what a learner who answered nothing submits."""
    release, _cells, _max = NbgraderEngine().release(source=PROBLEM1.read_bytes(), language="ru")
    assert "ВАШ ОТВЕТ ЗДЕСЬ" in release.decode()
    return release


_reference: dict[str, list[tuple]] = {}


def _cells(engine: str, submission: bytes, language: str | None) -> list[tuple]:
    result = get_engine(engine).grade(
        source=PROBLEM1.read_bytes(), submission=submission, feedback=False, language=language
    )
    assert result.status == "graded", result.error
    return [(c.grade_id, c.score, c.max_score, c.needs_manual_grade) for c in result.cells]


@pytest.mark.engine
@pytest.mark.parametrize("engine", ["nbgrader", "fork"])
def test_a_russian_starter_grades_as_the_nbgrader_command_line_grades_it(engine, russian_starter):
    """The unanswered Russian starter of a notebook with hand-graded answers: each engine gives every
    cell the score and the "needs a teacher" mark that `nbgrader generate_assignment` + `autograde`
    configured with the Russian stubs give, and the untouched answers count as no answer (0 points,
    nothing for a teacher to grade)."""
    if "cli" not in _reference:
        _reference["cli"] = _cells("nbgrader-cli", russian_starter, "ru")
    reference = _reference["cli"]
    answers = {grade_id: manual for grade_id, _score, _max, manual in reference if grade_id in ANSWER_CELLS}
    assert answers == dict.fromkeys(ANSWER_CELLS, False)
    assert _cells(engine, russian_starter, "ru") == reference


@pytest.mark.engine
def test_grading_with_another_language_than_the_release_s_would_ask_for_hand_grading(russian_starter):
    """The language matters: graded as if released with nbgrader's English stubs, the untouched Russian
    answers look written and go to a teacher, which is why an exercise's release and gradings share
    its language."""
    cells = {grade_id: manual for grade_id, _score, _max, manual in _cells("fork", russian_starter, None)}
    assert all(cells[grade_id] for grade_id in ANSWER_CELLS)
