"""Owed deletions of anonymised people's hub users in the Django admin, for operators: a read-only list
(records change only through `hub.services`), to see which are waiting or failing, and why."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.admin import ReadOnlyAdmin

from .models import HubUserDeletion
from .oidc import hub_username_of


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return HubUserDeletion.State.choices

    def queryset(self, request, queryset):
        State = HubUserDeletion.State
        owed = Q(done_at__isnull=True)
        match self.value():
            case State.WAITING:
                return queryset.filter(owed, last_error="")
            case State.FAILING:
                return queryset.filter(owed & ~Q(last_error=""))
            case State.DONE:
                return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(HubUserDeletion)
class HubUserDeletionAdmin(ReadOnlyAdmin):
    list_display = ["hub_user", "state", "requested_at", "attempts", "tried_at", "last_error", "done_at"]
    list_filter = [StateFilter, "requested_at", "done_at"]
    date_hierarchy = "requested_at"

    @admin.display(description=_("hub user"), ordering="user_id")
    def hub_user(self, deletion: HubUserDeletion) -> str:
        return hub_username_of(deletion.user_id)

    @admin.display(description=_("state"))
    def state(self, deletion: HubUserDeletion) -> str:
        return deletion.get_state_display()
