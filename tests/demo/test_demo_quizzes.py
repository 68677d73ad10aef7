"""The demo courses' quizzes do not give their answers away by position."""

from __future__ import annotations

import pytest

from demo.courses import games, smm, teachers, web

COURSES = [games.COURSE, smm.COURSE, teachers.COURSE, web.COURSE]


def _quizzes(course) -> list[tuple[str, list[tuple[int, ...]]]]:
    """(quiz id, the positions of the right answers of each question) of every quiz of a course."""
    return [
        (
            block["value"]["quiz_id"],
            [
                tuple(index for index, choice in enumerate(question["choices"]) if choice["correct"])
                for question in block["value"]["questions"]
            ],
        )
        for lesson in course.lessons
        for block in lesson.body
        if block["type"] == "quiz"
    ]


@pytest.mark.parametrize("course", COURSES, ids=[course.slug for course in COURSES])
def test_right_answers_are_not_always_in_the_same_place(course):
    """In the source of every quiz the right answers sit in different positions, and never all first:
    the page shuffles the options per attempt, and the source does not hint either."""
    quizzes = _quizzes(course)
    assert quizzes
    for quiz_id, positions in quizzes:
        assert all(positions), quiz_id  # every question has a right answer
        assert len(set(positions)) > 1, quiz_id
        assert not all(0 in answer for answer in positions), quiz_id
