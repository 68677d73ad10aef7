"""Hidden tests stay hidden from learners: in the feedback page, in outputs that quote them, in errors."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from grading import hidden_tests, services
from grading.engines import GradeResult
from grading.models import Submission
from tests.factories import (
    ExerciseFactory,
    GroupMembershipFactory,
    StaffAssignmentFactory,
    StudyGroupFactory,
    UserFactory,
    demo_notebook,
)
from tests.grading import notebooks

pytestmark = pytest.mark.django_db


def _test_lines(name: str) -> tuple[list[str], list[str]]:
    """(visible, hidden) lines of the test cells of a demo notebook, read here without the code under
    test: nbgrader's rule, a region from the line with BEGIN HIDDEN TESTS to the one with END."""
    visible, hidden = [], []
    for cell in notebooks.load(name).cells:
        if not cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        inside = False
        for line in cell.source.splitlines():
            if "HIDDEN TESTS" in line:
                inside = "BEGIN" in line
            elif line.strip():
                (hidden if inside else visible).append(line.strip())
    return visible, hidden


VISIBLE, HIDDEN = _test_lines("game_logic")
# The assertion messages of the hidden tests: a failing one must not show its message either.
HIDDEN_MESSAGES = [m for line in HIDDEN for m in re.findall(r'"([^"]{8,})"', line)]


def _text(page: bytes) -> str:
    """The feedback page's text as a reader sees it (the code is split into highlighting spans)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.decode()))


@pytest.fixture
def classroom():
    group = StudyGroupFactory()
    learner = GroupMembershipFactory(group=group).student
    teacher = UserFactory()
    StaffAssignmentFactory(user=teacher, role="teacher", lyceum=group.lyceum)
    group.teachers.add(teacher)
    return learner, teacher


def test_learner_feedback_never_shows_hidden_test_code(client, classroom, django_capture_on_commit_callbacks):
    """The game-logic demo exercise keeps the default visibility ("always"). A learner whose `clamp`
    passes the visible tests but fails a hidden one, and who prints IPython's input history in a later
    cell, sees in the feedback (once the teacher has reviewed the flag that printing the history raises)
    the visible tests and that the cell failed — but no line of the hidden tests: not in the test cell,
    not in its traceback, not in the printed history. The teacher, who opens the same feedback first,
    sees them."""
    learner, teacher = classroom
    exercise = ExerciseFactory(notebook="game_logic")
    assert exercise.test_visibility == "always"
    nb = notebooks.load("game_logic")
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "clamp":  # right for the visible tests, wrong for clamp(0, 0, 0)
            cell.source = (
                "def clamp(value, low, high):\n    return min(max(value, low), high) if high > low else 1"
            )
        elif grade_id == "collides":
            cell.source += "\nprint('\\n'.join(In))"
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(
            student=learner, exercise=exercise, notebook_bytes=notebooks.dumps(nb), filename="mine.ipynb"
        )
    submission.refresh_from_db()
    assert submission.state == Submission.State.GRADED, submission.error
    assert {c.grade_id: float(c.score) for c in submission.cell_grades.all()}["test_clamp"] == 0.0
    url = reverse("grading:submission_feedback", args=[submission.pk])

    client.force_login(teacher)
    teacher_page = _text(client.get(url).content)
    assert all(line in teacher_page for line in HIDDEN)

    # Printing IPython's history is a tamper flag: the learner's feedback is withheld until the teacher
    # has reviewed it; once confirmed, it shows, still without the hidden tests.
    client.force_login(learner)
    assert submission.review == Submission.Review.NEEDED
    assert client.get(url).status_code == 404
    services.submission_review(submission=submission, reviewer=teacher, decision="confirm", reason="Checked.")
    learner_page = _text(client.get(url).content)
    assert all(line in learner_page for line in VISIBLE)
    assert "AssertionError" in learner_page
    for text in HIDDEN + HIDDEN_MESSAGES:
        assert text not in learner_page
    assert "HIDDEN TESTS" not in learner_page
    assert "Hidden tests run here when the notebook is graded." in learner_page


def test_learner_copy_of_a_notebook_keeps_visible_outputs():
    """Outside cells with hidden tests, outputs stay as graded except the lines quoting hidden code."""
    nb = notebooks.load("game_logic")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [{"output_type": "stream", "name": "stdout", "text": f"ok\n  {HIDDEN[0]}\n"}]
    copy = hidden_tests.notebook_for_learner(nb)
    solution = next(c for c in copy["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "clamp")
    assert solution["outputs"][0]["text"] == "ok\n(a line of a hidden test)\n"
    test = next(c for c in copy["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_clamp")
    assert test["outputs"] == []
    assert VISIBLE[0] in test["source"]
    assert HIDDEN[0] not in test["source"]
    original = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_clamp")
    assert HIDDEN[0] in original.source  # the graded notebook itself is untouched


def test_grading_error_shown_to_the_learner_quotes_no_hidden_test(monkeypatch, classroom):
    """An engine error quoting the running cell (nbclient's timeout message does) is stored with the
    hidden test lines blanked out: the learner reads it on the submission page."""
    learner, _teacher = classroom
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    exercise = ExerciseFactory(notebook="game_logic")

    class QuotingEngine:
        def grade(self, **kwargs):
            return GradeResult(
                status="error",
                error=f"A cell timed out. Here is a preview of the cell contents:\n{VISIBLE[0]}\n{HIDDEN[1]}",
            )

    monkeypatch.setattr("grading.services.get_engine", lambda name=None: QuotingEngine())
    submission = services.submission_create(
        student=learner, exercise=exercise, notebook_bytes=demo_notebook("game_logic"), filename="s.ipynb"
    )
    services.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.state == Submission.State.FAILED
    assert VISIBLE[0] in submission.error
    assert HIDDEN[1] not in submission.error
