"""Learning records in the Django admin, for administrators: read-only lists (records change only
through `courses.services`), and revoking certificates."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Certificate, Enrolment
from .services import certificate_revoke


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "course", "status", "source", "region", "created_at", "completed_at"]
    list_filter = ["status", "source"]
    search_fields = ["user__email", "user__full_name", "course__title"]
    list_select_related = ["user", "course", "region"]
    date_hierarchy = "created_at"


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "learner_name", "course_title", "hours", "issued_at", "revoked_at"]
    list_filter = ["year"]
    search_fields = ["number", "learner_name", "course_title"]
    exclude = ["verification_code"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None) -> bool:
        # The revoke action needs the change permission; the form itself stays read-only.
        return obj is None and request.user.has_perm("courses.change_certificate")

    @admin.action(description=_("Revoke the selected certificates"), permissions=["change"])
    def revoke(self, request, queryset) -> None:
        count = 0
        for certificate in queryset.filter(revoked_at__isnull=True):
            certificate_revoke(certificate=certificate)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d certificate revoked.", "%(count)d certificates revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
