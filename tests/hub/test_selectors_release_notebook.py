"""The starter notebook placed in JupyterLab links back to the exercise page, and that link cell does not
change how the notebook is graded."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from hub.selectors import release_notebook
from tests.factories import DEMO_NOTEBOOKS, ExerciseFactory
from tests.grading import notebooks

pytestmark = pytest.mark.django_db

BACK = "http://portal.example/exercises/web-html-functions/"


def test_starter_notebook_starts_with_a_link_back_to_the_exercise():
    """With a back URL the starter gains one first Markdown cell linking to the exercise page, carrying no
    nbgrader metadata; the rest of the notebook is the stored release notebook, unchanged."""
    exercise = ExerciseFactory()
    if not exercise.release_notebook:
        exercise.release_notebook.save("release.ipynb", ContentFile(notebooks.solved()), save=True)
    plain = release_notebook(exercise=exercise)
    linked = release_notebook(exercise=exercise, back_url=BACK)
    first = linked["cells"][0]
    assert first["cell_type"] == "markdown"
    assert BACK in first["source"]
    assert "nbgrader" not in first["metadata"]
    assert linked["cells"][1:] == plain["cells"]


def test_the_link_cell_does_not_change_the_grade(tmp_path):
    """A solved notebook that still carries the link cell earns the same full marks."""
    nb = json.loads(notebooks.solved())
    nb["cells"].insert(
        0, {"cell_type": "markdown", "id": "portal-link", "metadata": {}, "source": f"[Back]({BACK})"}
    )
    path = tmp_path / "submission.ipynb"
    path.write_text(json.dumps(nb))
    out = StringIO()
    call_command("grade", str(DEMO_NOTEBOOKS / "web_html_functions.ipynb"), str(path), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["status"] == "graded", result["error"]
    assert result["score"] == result["max_score"] > 0
