"""Writes for enrolment, progress, quizzes, completion and certificates."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import LessonPage, LessonProgress


@transaction.atomic
def lesson_visit(*, user, lesson: LessonPage) -> LessonProgress:
    """Record that the learner opened the lesson."""
    now = timezone.now()
    progress, created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    if not created:
        progress.last_visited_at = now
        progress.save(update_fields=["last_visited_at"])
    return progress
