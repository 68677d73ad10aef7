"""Reads for the catalogue, courses, lessons and a learner's progress."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import CoursePage, Enrolment, LessonPage, TrackPage


def featured_tracks() -> QuerySet[TrackPage]:
    """Every live track, in the editors' order."""
    return TrackPage.objects.live().public().order_by("sort_order", "title")


def track_courses(*, track: TrackPage) -> QuerySet[CoursePage]:
    return CoursePage.objects.live().public().child_of(track).order_by("path")


def catalog_context(*, catalog, params) -> dict:
    return {"tracks": featured_tracks(), "courses": CoursePage.objects.live().public().descendant_of(catalog)}


def course_lessons(*, course: CoursePage) -> QuerySet[LessonPage]:
    return LessonPage.objects.live().child_of(course).order_by("path")


def course_context(*, course: CoursePage, user) -> dict:
    enrolment = None
    if user.is_authenticated:
        enrolment = Enrolment.objects.filter(user=user, course=course).first()
    return {"lessons": course_lessons(course=course), "enrolment": enrolment}


def lesson_context(*, lesson: LessonPage, user) -> dict:
    return {"course": lesson.course}
