from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("", views.my_data, name="my_data"),
    path("export.<str:fmt>", views.export, name="export"),
    path("delete/", views.deletion_request, name="deletion_request"),
    path("requests/", views.queue, name="queue"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("access-log/", views.access_log, name="access_log"),
]
