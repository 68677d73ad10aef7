"""What a learner reads when a run fails: a whole sentence in their language that says what to do, never
the grader's English detail (which goes to the log)."""

import pytest
from django.utils import translation

from grading.sandbox import SandboxError, learner_message


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (SandboxError("ran 120 s", reason="timeout", seconds=120), "120 секунд"),
        (SandboxError("CellTimeoutError: A cell timed out", reason="cell_timeout", seconds=30), "30 секунд"),
        (SandboxError("larger than the grader accepts", reason="too_large"), "Выводите меньше"),
        (SandboxError("the grading fork server is gone: BrokenPipeError"), "Учитель может"),
    ],
)
def test_learner_reads_a_russian_sentence_without_the_graders_detail(error, expected):
    with translation.override("ru"):
        message = learner_message(error)
    assert expected in message
    assert str(error) not in message
    assert "grader" not in message
