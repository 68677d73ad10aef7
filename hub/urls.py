from django.urls import path

from . import views

app_name = "hub"
urlpatterns = [
    path("exercises/<int:exercise_id>/open/", views.open_exercise, name="open"),
    path("exercises/<int:exercise_id>/starting/", views.starting, name="starting"),
    path("exercises/<int:exercise_id>/status/", views.status, name="status"),
    path("exercises/<int:exercise_id>/launch/", views.launch, name="launch"),
    path("exercises/<int:exercise_id>/reset/", views.reset, name="reset"),
    path("exercises/<int:exercise_id>/submit/", views.submit, name="submit"),
    path(
        "exercises/<int:exercise_id>/students/<int:student_id>/notebook/",
        views.student_notebook,
        name="student_notebook",
    ),
    path(
        "exercises/<int:exercise_id>/students/<int:student_id>/notebook/status/",
        views.student_notebook_status,
        name="student_notebook_status",
    ),
    path("signed-out/", views.signed_out, name="signed_out"),
]
