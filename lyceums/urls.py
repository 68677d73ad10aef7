from django.urls import path, re_path

from . import views

app_name = "lyceums"

TABLE = r"(?P<table>[a-z]+)\.(?P<fmt>csv|xlsx)"

urlpatterns = [
    path("dashboard/", views.dashboard_home, name="dashboard"),
    path("dashboard/republic/", views.republic_dashboard, name="republic"),
    re_path(rf"^dashboard/republic/export/{TABLE}$", views.republic_export, name="republic_export"),
    path("dashboard/regions/<slug:code>/", views.region_dashboard, name="region"),
    re_path(
        rf"^dashboard/regions/(?P<code>[-a-z0-9]+)/export/{TABLE}$", views.region_export, name="region_export"
    ),
    path("dashboard/lyceums/<int:pk>/", views.lyceum_dashboard, name="lyceum"),
    path("dashboard/lyceums/<int:pk>/plan/", views.plan_set, name="plan_set"),
    re_path(rf"^dashboard/lyceums/(?P<pk>[0-9]+)/export/{TABLE}$", views.lyceum_export, name="lyceum_export"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("import/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("groups/", views.group_list, name="groups"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/enrol/confirm/", views.group_enrol_confirm, name="group_enrol_confirm"),
    path("groups/<int:pk>/enrol/", views.group_enrol, name="group_enrol"),
    path("learners/<int:pk>/", views.learner_detail, name="learner"),
]
