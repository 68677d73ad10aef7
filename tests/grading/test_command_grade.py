"""`manage.py grade SOURCE SUBMISSION --json`: the grading contract."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import DEMO_NOTEBOOKS
from tests.grading import notebooks


def _grade(tmp_path, submission: bytes, *extra: str) -> dict:
    path = tmp_path / "submission.ipynb"
    path.write_bytes(submission)
    out = StringIO()
    call_command(
        "grade", str(DEMO_NOTEBOOKS / "web_html_functions.ipynb"), str(path), "--json", *extra, stdout=out
    )
    return json.loads(out.getvalue())


def test_contract_shape_and_full_marks_for_the_solution(tmp_path):
    """The instructor's own solution earns every point, reported in exactly the contract's keys."""
    result = _grade(tmp_path, notebooks.solved())
    assert set(result) == {"status", "score", "max_score", "cells", "error", "flags"}
    assert result["flags"] == []
    assert result["status"] == "graded"
    assert result["error"] is None
    assert result["score"] == result["max_score"] == 5.0
    assert [c["grade_id"] for c in result["cells"]] == ["test_link", "test_bullet_list", "test_slugify"]
    assert all(set(c) == {"grade_id", "score", "max_score"} for c in result["cells"])


def test_partly_wrong_solution_loses_only_the_failing_tests(tmp_path):
    """A wrong `slugify` fails only its test cell (hidden tests included)."""
    wrong = notebooks.with_solution(
        "import re\ndef slugify(title):\n    return title.lower()", grade_id="slugify"
    )
    result = _grade(tmp_path, wrong)
    scores = {c["grade_id"]: c["score"] for c in result["cells"]}
    assert scores == {"test_link": 2.0, "test_bullet_list": 2.0, "test_slugify": 0.0}
    assert result["score"] == 4.0


def test_not_a_notebook_gives_an_error_object(tmp_path):
    """Garbage input gives status "error" with a message, never a traceback."""
    result = _grade(tmp_path, b"not json at all")
    assert result["status"] == "error"
    assert "not valid JSON" in result["error"]
    assert result["score"] == 0.0


def test_unknown_engine_is_a_command_error(tmp_path):
    """Naming an engine that does not exist fails with the list of known engines."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="known: fork, nbgrader, nbgrader-cli"):
        _grade(tmp_path, notebooks.solved(), "--engine", "nope")
