"""Wagtail admin listings of lyceums and study groups. Every listing, edit and delete view takes its
queryset from `lyceums.scoping`, so an administrator account limited to a municipality sees only it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views.generic import models as generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from . import scoping
from .models import Lyceum, StudyGroup


def scoped_views(scope):
    """Index, edit and delete views whose querysets are `scope(user)`."""

    class Index(generic.IndexView):
        def get_base_queryset(self):
            return scope(self.request.user)

    class Edit(generic.EditView):
        def get_queryset(self):
            return scope(self.request.user)

    class Delete(generic.DeleteView):
        def get_queryset(self):
            return scope(self.request.user)

    return Index, Edit, Delete


class LyceumViewSet(ModelViewSet):
    model = Lyceum
    icon = "home"
    menu_label = _("Lyceums")
    list_display = ["name", "code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]
    form_fields = ["region", "code", "name", "address"]
    index_view_class, edit_view_class, delete_view_class = scoped_views(scoping.visible_lyceums)


class StudyGroupViewSet(ModelViewSet):
    model = StudyGroup
    icon = "group"
    menu_label = _("Study groups")
    list_display = ["name", "lyceum", "academic_year", "track"]
    list_filter = ["academic_year"]
    search_fields = ["name"]
    form_fields = ["lyceum", "name", "academic_year", "track", "teachers"]
    index_view_class, edit_view_class, delete_view_class = scoped_views(scoping.visible_groups)


class NetworkViewSetGroup(ViewSetGroup):
    menu_label = _("Lyceum network")
    menu_icon = "site"
    menu_order = 260
    items = (LyceumViewSet("network_lyceums"), StudyGroupViewSet("network_groups"))


@hooks.register("register_admin_viewset")
def register_network_viewsets():
    return NetworkViewSetGroup()
