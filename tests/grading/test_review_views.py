"""The review of flagged submissions in the gradebook: who may decide, what they see, what learners see."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grading import services
from grading.engines import CellResult, GradeResult
from grading.models import GradeOverride, Submission, SubmissionEvent
from tests.factories import (
    ExerciseFactory,
    GroupMembershipFactory,
    StaffAssignmentFactory,
    StudyGroupFactory,
    UserFactory,
)
from tests.grading import notebooks

pytestmark = pytest.mark.django_db

FLAG = {
    "cell": "link",
    "line": 3,
    "reason": "stored text",
    "rule": "ipython",
    "code": "get_ipython().input_transformers_post.append(f)",
}


@pytest.fixture
def classroom(monkeypatch):
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    group = StudyGroupFactory()
    teacher = UserFactory()
    StaffAssignmentFactory(user=teacher, role="teacher", lyceum=group.lyceum)
    group.teachers.add(teacher)
    exercise = ExerciseFactory()
    return group, teacher, exercise


def _flagged(group, exercise, *, flags=(FLAG,)) -> Submission:
    student = GroupMembershipFactory(group=group).student
    submission = services.submission_create(
        student=student, exercise=exercise, notebook_bytes=notebooks.solved(), filename="s.ipynb"
    )
    services._claim(submission.pk)
    result = GradeResult(
        status="graded",
        score=5,
        max_score=5,
        cells=[CellResult("test_link", 2, 2)],
        engine="nbgrader",
        flags=list(flags),
    )
    return services.submission_store_result(submission_id=submission.pk, result=result)


def test_gradebook_lists_flagged_submissions_with_their_lines(client, classroom):
    """The group's gradebook page lists each submission waiting for review with the cell, line, code
    and reason of each flag, and the confirm / zero form; the gradebook table counts them."""
    group, teacher, exercise = classroom
    submission = _flagged(group, exercise)
    client.force_login(teacher)
    html = client.get(reverse("grading:gradebook_group", args=[exercise.pk, group.pk])).content.decode()
    assert "1 submission needs review" in html
    assert "get_ipython().input_transformers_post.append(f)" in html
    assert (
        "Uses the IPython shell that runs the notebook" in html
    )  # the rule's text, in the viewer's language
    assert reverse("grading:submission_review", args=[submission.pk]) in html
    assert 'value="confirm"' in html
    assert 'value="zero"' in html
    index = client.get(reverse("grading:gradebook")).content.decode()
    assert "1 to review" in index


def test_gradebook_queries_do_not_grow_with_flagged_submissions(client, classroom):
    """The gradebook page and table make the same number of queries for one flagged submission as for
    five."""
    group, teacher, exercise = classroom
    _flagged(group, exercise)
    client.force_login(teacher)
    urls = [reverse("grading:gradebook_group", args=[exercise.pk, group.pk]), reverse("grading:gradebook")]

    def count() -> list[int]:
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        return counts

    count()  # the first view remembers the teacher's menu
    one = count()
    for _ in range(4):
        _flagged(group, exercise)
    assert count() == one
    assert max(one) <= 40


def test_teacher_outside_the_scope_is_refused(client, classroom):
    """A teacher of another lyceum cannot decide on the submission (403), nor can its learner; nothing
    changes."""
    group, _teacher, exercise = classroom
    submission = _flagged(group, exercise)
    url = reverse("grading:submission_review", args=[submission.pk])
    outsider = UserFactory()
    other_group = StudyGroupFactory()
    StaffAssignmentFactory(user=outsider, role="teacher", lyceum=other_group.lyceum)
    other_group.teachers.add(outsider)
    for user in (outsider, submission.student):
        client.force_login(user)
        assert client.post(url, {"decision": "confirm", "reason": "fine"}).status_code == 403
    assert client.post(reverse("grading:submission_review", args=[10**9]), {}).status_code == 403
    submission.refresh_from_db()
    assert submission.review == Submission.Review.NEEDED


def test_reason_is_required_and_the_decision_is_audited(client, classroom):
    """Without a reason the form is refused; with one, setting to zero records the override and an
    event naming the teacher, and returns to the gradebook page it came from."""
    group, teacher, exercise = classroom
    submission = _flagged(group, exercise)
    client.force_login(teacher)
    url = reverse("grading:submission_review", args=[submission.pk])
    client.post(url, {"decision": "zero", "reason": ""})
    submission.refresh_from_db()
    assert submission.review == Submission.Review.NEEDED
    back = reverse("grading:gradebook_group", args=[exercise.pk, group.pk])
    response = client.post(url, {"decision": "zero", "reason": "The tests were emptied.", "next": back})
    assert response["Location"] == back
    submission.refresh_from_db()
    assert (submission.review, submission.score, submission.reviewed_by) == (
        Submission.Review.ZEROED,
        Decimal("0.00"),
        teacher,
    )
    assert GradeOverride.objects.get(submission=submission).author == teacher
    assert SubmissionEvent.objects.filter(
        submission=submission, detail=f"review: zero by {teacher.pk}: The tests were emptied."
    ).exists()


def test_learner_sees_under_review_not_a_final_result(client, classroom):
    """The learner's submission page says the teacher is reviewing it and shows no flag details; the
    teacher's page shows the flags and the form."""
    group, teacher, exercise = classroom
    submission = _flagged(group, exercise)
    client.force_login(submission.student)
    html = client.get(submission.get_absolute_url()).content.decode()
    assert "under review by the teacher" in html
    assert "Under review" in html  # the state badge
    assert "input_transformers_post" not in html
    client.force_login(teacher)
    html = client.get(submission.get_absolute_url()).content.decode()
    assert "input_transformers_post" in html
    assert reverse("grading:submission_review", args=[submission.pk]) in html
