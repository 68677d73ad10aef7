"""Hooks into Wagtail's page serving: opening a lesson records the learner's visit."""

from __future__ import annotations

from wagtail import hooks

from . import services
from .models import LessonPage


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
