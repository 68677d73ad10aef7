from django.urls import path

from . import hub_views

app_name = "hub"
urlpatterns = [
    path("exercises/<int:exercise_id>/open/", hub_views.open_exercise, name="open"),
    path("exercises/<int:exercise_id>/starting/", hub_views.starting, name="starting"),
    path("exercises/<int:exercise_id>/status/", hub_views.status, name="status"),
    path("exercises/<int:exercise_id>/launch/", hub_views.launch, name="launch"),
    path("exercises/<int:exercise_id>/reset/", hub_views.reset, name="reset"),
    path("exercises/<int:exercise_id>/submit/", hub_views.submit, name="submit"),
    path(
        "exercises/<int:exercise_id>/students/<int:student_id>/notebook/",
        hub_views.student_notebook,
        name="student_notebook",
    ),
    path("signed-out/", hub_views.signed_out, name="signed_out"),
]
