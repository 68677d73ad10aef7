"""Wagtail admin listings of lyceums and study groups, scoped by `lyceums.scoping`.

Every view of these viewsets (index, create, edit, copy, delete, inspect, usage, history) takes its
rows from the scoping module, so an administrator account limited to a municipality sees and touches
only it; an object outside the scope is a 404. The forms' choices are scoped too: a lyceum's
municipality among the user's municipalities, a group's lyceum among the user's lyceums and its
teachers among the teachers of those lyceums — posting anything else is a form error. The viewsets
have no chooser views; their foreign keys are plain selects with the scoped choices."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views.generic import history, usage
from wagtail.admin.views.generic import models as generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from . import scoping
from .access_log import Action, record_access
from .models import Lyceum, Region, StudyGroup

Scope = Callable[[object], QuerySet]


def _lyceum_choices(user, instance: Lyceum) -> dict[str, QuerySet]:
    # Editing keeps the lyceum's own municipality selectable, even for a teacher of the lyceum.
    regions = Region.objects.filter(
        Q(pk__in=scoping.visible_regions(user).values("pk")) | Q(pk=instance.region_id)
    )
    return {"region": regions}


def _group_choices(user, instance: StudyGroup) -> dict[str, QuerySet]:
    return {"lyceum": scoping.visible_lyceums(user), "teachers": scoping.assignable_teachers(user)}


def scoped_views(scope: Scope, choices: Callable[[object, object], dict[str, QuerySet]]) -> dict:
    """Every view class of a model viewset, reading its rows from `scope(user)` and limiting its form's
    choices to `choices(user, instance)`."""

    class ScopedForm:
        def get_form(self, form_class=None):
            form = super().get_form(form_class)
            for name, queryset in choices(self.request.user, form.instance).items():
                if name in form.fields:
                    form.fields[name].queryset = queryset
            return form

    class Index(generic.IndexView):
        def get_base_queryset(self):
            return scope(self.request.user)

    class Create(ScopedForm, generic.CreateView):
        pass

    class Copy(ScopedForm, generic.CopyView):
        def get_object(self, queryset=None):
            # Wagtail's copy view reads the whole table; only an object in scope may be copied.
            obj = get_object_or_404(scope(self.request.user), pk=self.kwargs[self.pk_url_kwarg])
            if self.permission_policy and not self.permission_policy.user_has_any_permission_for_instance(
                self.request.user, ["change", "view"], obj
            ):
                raise PermissionDenied
            return obj

    class Edit(ScopedForm, generic.EditView):
        def get_queryset(self):
            return scope(self.request.user)

    class Delete(generic.DeleteView):
        def get_queryset(self):
            return scope(self.request.user)

    class Inspect(generic.InspectView):
        def get_object(self, queryset=None):
            return get_object_or_404(scope(self.request.user), pk=self.pk)

    class Usage(usage.UsageView):
        def get_base_object_queryset(self):
            return scope(self.request.user)

    class History(history.HistoryView):
        def get_base_object_queryset(self):
            return scope(self.request.user)

    return {
        "index_view_class": Index,
        "add_view_class": Create,
        "copy_view_class": Copy,
        "edit_view_class": Edit,
        "delete_view_class": Delete,
        "inspect_view_class": Inspect,
        "usage_view_class": Usage,
        "history_view_class": History,
    }


class ScopedModelViewSet(ModelViewSet):
    """A model viewset whose every view is scoped: subclasses name `scope` (a `lyceums.scoping`
    function of the user) and `choices` (the form fields' scoped querysets)."""

    scope: Scope
    choices: Callable[[object, object], dict[str, QuerySet]]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, view_class in scoped_views(cls.scope, cls.choices).items():
            setattr(cls, name, view_class)


class LyceumViewSet(ScopedModelViewSet):
    model = Lyceum
    icon = "home"
    menu_label = _("Lyceums")
    list_display = ["name", "code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]
    form_fields = ["region", "code", "name", "address"]
    scope = staticmethod(scoping.visible_lyceums)
    choices = staticmethod(_lyceum_choices)


class StudyGroupViewSet(ScopedModelViewSet):
    model = StudyGroup
    icon = "group"
    menu_label = _("Study groups")
    list_display = ["name", "lyceum", "academic_year", "track"]
    list_filter = ["academic_year"]
    search_fields = ["name"]
    form_fields = ["lyceum", "name", "academic_year", "track", "teachers"]
    scope = staticmethod(scoping.visible_groups)
    choices = staticmethod(_group_choices)


class NetworkViewSetGroup(ViewSetGroup):
    menu_label = _("Lyceum network")
    menu_icon = "site"
    menu_order = 260
    items = (LyceumViewSet("network_lyceums"), StudyGroupViewSet("network_groups"))


@hooks.register("register_admin_viewset")
def register_network_viewsets():
    return NetworkViewSetGroup()


# Opening a person's account in Wagtail's Users section (to edit it, or on the way to deleting it) shows
# their name, e-mail address and groups: a look at personal data for the staff access log.
def _account_access_logger(detail: str):
    def log(request, user) -> None:
        record_access(
            viewer=request.user,
            learner=user,
            action=Action.ACCOUNT,
            detail=detail,
            path=request.get_full_path(),
        )

    return log


hooks.register("before_edit_user", _account_access_logger("Wagtail admin"))
hooks.register("before_delete_user", _account_access_logger("Wagtail admin: delete"))
