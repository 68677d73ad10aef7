from django.urls import path

from . import views

app_name = "courses"
urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
    path("courses/<int:course_id>/withdraw/", views.withdraw, name="withdraw"),
    path("lessons/<int:lesson_id>/quizzes/<str:quiz_id>/", views.quiz_submit, name="quiz_submit"),
    path("certificates/verify/", views.certificate_check, name="certificate_check"),
    path("certificates/verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<str:number>.pdf", views.certificate_pdf, name="certificate_pdf"),
]
