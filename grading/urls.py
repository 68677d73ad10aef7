from django.urls import path

from . import views

app_name = "grading"
urlpatterns = [
    path("gradebook/", views.gradebook, name="gradebook"),
    path("gradebook/<int:exercise_pk>/<int:group_pk>/", views.gradebook_group, name="gradebook_group"),
    path(
        "gradebook/<int:exercise_pk>/<int:group_pk>/progress/",
        views.gradebook_progress,
        name="gradebook_progress",
    ),
    path(
        "gradebook/<int:exercise_pk>/<int:group_pk>/regrade/",
        views.gradebook_regrade,
        name="gradebook_regrade",
    ),
    path(
        "gradebook/<int:exercise_pk>/<int:group_pk>/export.<str:fmt>",
        views.gradebook_export,
        name="gradebook_export",
    ),
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/status/", views.submission_status, name="submission_status"),
    path("submissions/<int:pk>/feedback/", views.submission_feedback, name="submission_feedback"),
    path("submissions/<int:pk>/override/", views.submission_override, name="submission_override"),
    path("submissions/<int:pk>/regrade/", views.submission_regrade, name="submission_regrade"),
    path("submissions/<int:pk>/review/", views.submission_review, name="submission_review"),
    path("<slug:slug>/", views.exercise_detail, name="exercise_detail"),
    path("<slug:slug>/starter.ipynb", views.starter, name="starter"),
    path("<slug:slug>/submit/", views.submit, name="submit"),
    path("<slug:slug>/data/<str:name>", views.data_file, name="data_file"),
]
