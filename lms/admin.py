from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Consent, User
from .signals import user_account_viewed


class ConsentInline(admin.TabularInline):
    """The consents to processing the person (or their parent) gave: a record, never edited."""

    model = Consent
    extra = 0
    can_delete = False
    fields = readonly_fields = ["kind", "policy_version", "given_at", "ip_address", "guardian_email"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [ConsentInline]
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "birth_date", "birth_year", "guardian_email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined", "last_activity")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    # A person's account page shows their personal data: each look goes to the staff access log, which
    # `lyceums` keeps (it receives the signal; `lms` cannot import it).
    def _account_viewed(self, request, object_id: str, detail: str) -> None:
        person = self.get_object(request, unquote(object_id))
        if person is not None and self.has_view_or_change_permission(request, person):
            user_account_viewed.send(
                sender=type(self),
                viewer=request.user,
                person=person,
                detail=detail,
                path=request.get_full_path(),
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._account_viewed(request, object_id, "Django admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._account_viewed(request, object_id, "Django admin: history")
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._account_viewed(request, object_id, "Django admin: delete")
        return super().delete_view(request, object_id, extra_context)
