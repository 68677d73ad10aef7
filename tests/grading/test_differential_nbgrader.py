"""Differential: `manage.py grade` with each of the platform's engines (nbgrader as a library with code
in the sandbox; the fork engine) gives exactly the scores of plain `nbgrader generate_assignment` +
`nbgrader autograde` on the notebooks nbgrader ships."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import nbgrader
import pytest
from django.core.management import call_command

pytestmark = pytest.mark.engine

NBGRADER = Path(nbgrader.__file__).parent
FILES = NBGRADER / "tests" / "apps" / "files"
GUIDE = NBGRADER / "docs" / "source" / "user_guide"

PAIRS = [
    (FILES / "submitted-unchanged.ipynb", FILES / "submitted-unchanged.ipynb"),
    (FILES / "submitted-unchanged.ipynb", FILES / "submitted-changed.ipynb"),
    (FILES / "submitted-unchanged.ipynb", FILES / "submitted-cheat-attempt.ipynb"),
    (FILES / "submitted-unchanged.ipynb", FILES / "submitted-cheat-attempt-alternative.ipynb"),
    (FILES / "submitted-unchanged.ipynb", FILES / "submitted-locked-cell-changed.ipynb"),
    (FILES / "submitted-unchanged.ipynb", FILES / "submitted-grade-cell-changed.ipynb"),
    (FILES / "test.ipynb", FILES / "test.ipynb"),
    (
        GUIDE / "source" / "ps1" / "problem1.ipynb",
        GUIDE / "submitted" / "bitdiddle" / "ps1" / "problem1.ipynb",
    ),
    (GUIDE / "source" / "ps1" / "problem1.ipynb", GUIDE / "submitted" / "hacker" / "ps1" / "problem1.ipynb"),
    (
        GUIDE / "source" / "ps1" / "problem2.ipynb",
        GUIDE / "submitted" / "bitdiddle" / "ps1" / "problem2.ipynb",
    ),
    (GUIDE / "source" / "ps1" / "problem2.ipynb", GUIDE / "submitted" / "hacker" / "ps1" / "problem2.ipynb"),
]


_reference: dict[tuple[Path, Path], dict] = {}


def _grade(source: Path, submission: Path, engine: str) -> dict:
    if engine == "nbgrader-cli" and (source, submission) in _reference:
        return _reference[source, submission]
    out = StringIO()
    call_command("grade", str(source), str(submission), "--json", "--engine", engine, stdout=out)
    result = json.loads(out.getvalue())
    if engine == "nbgrader-cli":
        _reference[source, submission] = result
    return result


@pytest.mark.parametrize("engine", ["nbgrader", "fork"])
@pytest.mark.parametrize(
    ("source", "submission"),
    PAIRS,
    ids=[f"{s.parent.name}/{s.name}~{u.parent.parent.name}/{u.name}" for s, u in PAIRS],
)
def test_scores_equal_nbgrader_autograde(source, submission, engine):
    """Every cell score and the total equal what the nbgrader command line gives for the same pair."""
    assert source.exists()
    assert submission.exists()
    ours = _grade(source, submission, engine)
    reference = _grade(source, submission, "nbgrader-cli")
    assert reference["status"] == "graded", reference["error"]
    assert ours["status"] == "graded", ours["error"]
    assert ours["cells"] == reference["cells"]
    assert (ours["score"], ours["max_score"]) == (reference["score"], reference["max_score"])
