"""A flagged submission is graded but waits for a teacher: its score completes nothing and earns no
certificate until the teacher confirms it (then it does) or sets it to zero."""

from __future__ import annotations

from decimal import Decimal

import nbformat
import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase

from courses.models import ActivityResult, Certificate, Enrolment
from grading import services
from grading.engines import CellResult, GradeResult
from grading.models import GradeOverride, Submission, SubmissionEvent
from tests.factories import ExerciseFactory, UserFactory, enrol_in_exercise
from tests.grading import notebooks

pytestmark = pytest.mark.django_db

FLAG = {
    "cell": "link",
    "line": 1,
    "reason": "Uses the IPython shell.",
    "rule": "ipython",
    "code": "get_ipython()",
}


@pytest.fixture
def learner_and_exercise(monkeypatch):
    """A learner enrolled in a one-lesson course (with a certificate) whose lesson carries the exercise."""
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    exercise = ExerciseFactory()
    learner = UserFactory()
    lesson = enrol_in_exercise(user=learner, exercise_id=exercise.pk)
    return learner, exercise, lesson


def _graded(learner, exercise, lesson, *, flags: list[dict], score: float = 5.0) -> Submission:
    submission = services.submission_create(
        student=learner,
        exercise=exercise,
        notebook_bytes=notebooks.solved(),
        filename="s.ipynb",
        lesson=lesson,
    )
    services._claim(submission.pk)
    result = GradeResult(
        status="graded",
        score=score,
        max_score=5.0,
        cells=[
            CellResult("test_link", 2, 2),
            CellResult("test_bullet_list", 2, 2),
            CellResult("test_slugify", 1, 1),
        ],
        engine="nbgrader",
        flags=flags,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.submission_store_result(submission_id=submission.pk, result=result)


def _completed(learner) -> bool:
    return Enrolment.objects.filter(user=learner, status=Enrolment.Status.COMPLETED).exists()


def test_flagged_full_score_neither_completes_nor_certifies(learner_and_exercise):
    """Full marks with a tamper flag: graded, flags stored, marked for review; no activity result, the
    course is not completed and no certificate is issued."""
    learner, exercise, lesson = learner_and_exercise
    submission = _graded(learner, exercise, lesson, flags=[FLAG])
    assert submission.state == Submission.State.GRADED
    assert submission.score == Decimal("5.00")
    assert submission.review == Submission.Review.NEEDED
    assert submission.tamper_flags == [FLAG]
    assert services.counting_submission(exercise=exercise, student=learner) is None
    assert not ActivityResult.objects.filter(user=learner).exists()
    assert not _completed(learner)
    assert not Certificate.objects.exists()


def test_clean_submission_completes_as_before(learner_and_exercise):
    """Without flags nothing changes: full marks complete the course and issue the certificate."""
    learner, exercise, lesson = learner_and_exercise
    submission = _graded(learner, exercise, lesson, flags=[])
    assert submission.review == Submission.Review.NONE
    assert _completed(learner)
    assert Certificate.objects.filter(enrolment__user=learner).exists()


def test_confirming_lets_the_score_complete_the_course(learner_and_exercise):
    """A teacher's confirmation (with a reason) makes the flagged score count: the course completes and
    the certificate is issued; the decision is kept on the submission and in its events."""
    learner, exercise, lesson = learner_and_exercise
    teacher = UserFactory()
    submission = _graded(learner, exercise, lesson, flags=[FLAG])
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.submission_review(
            submission=submission, reviewer=teacher, decision="confirm", reason="It only displays a plot."
        )
    submission.refresh_from_db()
    assert submission.review == Submission.Review.CONFIRMED
    assert (submission.reviewed_by, submission.review_reason) == (teacher, "It only displays a plot.")
    assert submission.score == Decimal("5.00")
    assert _completed(learner)
    assert Certificate.objects.filter(enrolment__user=learner).exists()
    event = SubmissionEvent.objects.filter(submission=submission).last()
    assert event.detail == f"review: confirm by {teacher.pk}: It only displays a plot."


def test_zeroing_sets_the_score_to_zero_as_an_override(learner_and_exercise):
    """Setting a flagged submission to zero records an override to 0 with the reason; the result that
    reaches the course is 0, so it is not completed."""
    learner, exercise, lesson = learner_and_exercise
    teacher = UserFactory()
    submission = _graded(learner, exercise, lesson, flags=[FLAG])
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.submission_review(
            submission=submission, reviewer=teacher, decision="zero", reason="Forged tests."
        )
    submission.refresh_from_db()
    assert submission.review == Submission.Review.ZEROED
    assert submission.score == Decimal("0.00")
    override = GradeOverride.objects.get(submission=submission)
    assert (override.previous_score, override.score, override.reason) == (Decimal("5.00"), 0, "Forged tests.")
    assert ActivityResult.objects.get(user=learner).score == 0
    assert not _completed(learner)
    assert not Certificate.objects.exists()


def test_a_decision_needs_a_reason_and_a_waiting_submission(learner_and_exercise):
    """No reason, an unknown decision, or a submission not waiting for review: refused, nothing changed."""
    learner, exercise, lesson = learner_and_exercise
    teacher = UserFactory()
    flagged = _graded(learner, exercise, lesson, flags=[FLAG])
    with pytest.raises(ValidationError):
        services.submission_review(submission=flagged, reviewer=teacher, decision="confirm", reason="   ")
    with pytest.raises(ValidationError):
        services.submission_review(submission=flagged, reviewer=teacher, decision="ignore", reason="why")
    clean = _graded(learner, exercise, lesson, flags=[])
    with pytest.raises(ValidationError):
        services.submission_review(submission=clean, reviewer=teacher, decision="zero", reason="why")
    flagged.refresh_from_db()
    assert flagged.review == Submission.Review.NEEDED


def test_a_regrade_keeps_the_teachers_decision(learner_and_exercise):
    """Grading the same notebook again (a teacher's regrade) does not ask for a second review, and a
    zero stays zero through its override."""
    learner, exercise, lesson = learner_and_exercise
    teacher = UserFactory()
    submission = _graded(learner, exercise, lesson, flags=[FLAG])
    services.submission_review(submission=submission, reviewer=teacher, decision="zero", reason="Forged.")
    services.submission_regrade(submission=submission)
    services._claim(submission.pk)
    result = GradeResult(status="graded", score=5, max_score=5, engine="nbgrader", flags=[FLAG])
    services.submission_store_result(submission_id=submission.pk, result=result)
    submission.refresh_from_db()
    assert (submission.review, submission.score) == (Submission.Review.ZEROED, Decimal("0.00"))


def test_an_earlier_clean_attempt_still_counts(learner_and_exercise):
    """With the best score counting, a flagged later attempt does not displace an earlier clean one
    while it waits: the clean attempt's score is the one that counts."""
    learner, exercise, lesson = learner_and_exercise
    first = _graded(learner, exercise, lesson, flags=[], score=2.0)
    _graded(learner, exercise, lesson, flags=[FLAG], score=5.0)
    assert services.counting_submission(exercise=exercise, student=learner) == first
    assert ActivityResult.objects.get(user=learner).score == Decimal("2.00")


def test_a_regrade_without_flags_does_not_clear_a_pending_review(learner_and_exercise):
    """A submission waiting for review that regrades with no flag (the same notebook can behave
    differently from run to run) keeps waiting, with the flags that put it there, and still counts for
    nothing."""
    learner, exercise, lesson = learner_and_exercise
    submission = _graded(learner, exercise, lesson, flags=[FLAG])
    services.submission_regrade(submission=submission)
    services._claim(submission.pk)
    result = GradeResult(status="graded", score=5, max_score=5, engine="nbgrader", flags=[])
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.submission_store_result(submission_id=submission.pk, result=result)
    submission.refresh_from_db()
    assert submission.review == Submission.Review.NEEDED
    assert submission.tamper_flags == [FLAG]
    assert not _completed(learner)


def test_learners_do_not_see_the_feedback_of_a_flagged_notebook(learner_and_exercise, client):
    """Code that reached for the grader may have printed the hidden tests in a form no redaction
    recognises: the learner's feedback page is withheld while the submission waits for review (and when
    it is set to zero); the teacher still reads it."""
    learner, exercise, lesson = learner_and_exercise
    submission = _graded(learner, exercise, lesson, flags=[FLAG])
    Submission.objects.filter(pk=submission.pk).update(
        graded_notebook=nbformat.reads(notebooks.solved().decode(), as_version=4)
    )
    client.force_login(learner)
    assert client.get(f"/exercises/submissions/{submission.pk}/feedback/").status_code == 404
    page = client.get(f"/exercises/submissions/{submission.pk}/")
    assert "withheld while the teacher reviews it" in page.content.decode()
    services.submission_review(
        submission=submission, reviewer=UserFactory(), decision="confirm", reason="Fine."
    )
    assert client.get(f"/exercises/submissions/{submission.pk}/feedback/").status_code == 200
