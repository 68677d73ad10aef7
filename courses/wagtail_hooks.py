"""Hooks into Wagtail's page serving: a lesson gets its remembered course; opening a lesson records the
learner's visit."""

from __future__ import annotations

from wagtail import hooks

from common.pages import parent_page
from lms.page_memo import page_memo_copy

from . import services
from .models import CoursePage, LessonPage


@hooks.register("before_serve_page")
def lesson_course_remembered(page, request, serve_args, serve_kwargs) -> None:
    """A lesson's course is the same for every reader until a publication: handed to the lesson from
    the web process's memory (lms.page_memo) before anything asks for it."""
    if not isinstance(page, LessonPage):
        return
    # Wagtail's routing (when the route was not remembered) has just loaded the course: remembered then.
    routed = page.__dict__.get("_cached_parent_obj")
    page._cached_parent_obj = page_memo_copy(
        request,
        "lesson-course",
        page.pk,
        lambda: routed if isinstance(routed, CoursePage) else parent_page(page, CoursePage),
    )


# After Wagtail's own checks (order 0: view restrictions), just before the page is served.
@hooks.register("on_serve_page", order=100)
def lesson_visit_record(serve):
    """A learner of the course (active or completed) opening one of its lessons: record the visit
    (at most once a minute: `services.lesson_visit_record`), before the page renders (a lesson without
    activities then already shows as done)."""

    def inner(page, request, serve_args, serve_kwargs):
        if isinstance(page, LessonPage):
            services.lesson_visit_record(user=request.user, lesson=page)
        return serve(page, request, serve_args, serve_kwargs)

    return inner
