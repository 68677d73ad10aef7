from django import template

from .. import selectors
from ..forms import SubmissionUploadForm

register = template.Library()


@register.inclusion_tag("grading/includes/exercise_panel.html", takes_context=True)
def exercise_panel(context, exercise, lesson=None, intro=None):
    """The exercise as learners see it in a lesson or on its own page: download, upload, attempts."""
    request = context.get("request")
    user = getattr(request, "user", None)
    lesson_pk = getattr(lesson, "pk", None)
    return {
        "request": request,
        "user": user,
        "exercise": exercise,
        "lesson": lesson,
        "intro": intro,
        "form": SubmissionUploadForm(initial={"lesson": lesson_pk}),
        "submissions": selectors.student_submissions(exercise=exercise, student=user)[:10] if user else [],
        "csrf_token": context.get("csrf_token"),
    }
