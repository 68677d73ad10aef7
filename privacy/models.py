"""Requests to delete a person's data, the record of each anonymisation, and the warnings sent before
an inactive account is anonymised (152-FZ)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DeletionRequest(models.Model):
    """A person asks for their data to be deleted; a republic administrator carries the request out
    (the person is anonymised) or refuses it, with a reason. Decisions are never edited."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        CARRIED_OUT = "carried_out", _("Carried out: the person is anonymised")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="deletion_requests",
        verbose_name=_("person"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    reason = models.TextField(_("the person's reason"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="privacy_one_pending_request"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "carried_out", "refused"]),
                name="privacy_request_status_valid",
            ),
            # A decision names its date; a refusal says why.
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="privacy_request_decided_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(decision_note=""),
                name="privacy_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.get_status_display()}"


class Anonymisation(models.Model):
    """A person whose personal data was removed: on their request or after years of inactivity. The
    account stays (without name, address, birth data or password) so that statistics keep their
    numbers and certificates still verify."""

    class Reason(models.TextChoices):
        REQUEST = "request", _("The person's request")
        INACTIVITY = "inactivity", _("Inactive account")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="anonymisation"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    anonymised_at = models.DateTimeField(_("anonymised"), auto_now_add=True)

    class Meta:
        verbose_name = _("anonymisation")
        verbose_name_plural = _("anonymisations")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.reason}"


class InactivityWarning(models.Model):
    """The e-mail telling a long-inactive person that their account will be anonymised. Logging in
    afterwards keeps the account: the warning is then dropped."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inactivity_warning"
    )
    warned_at = models.DateTimeField(_("warned"))

    class Meta:
        verbose_name = _("inactivity warning")
        verbose_name_plural = _("inactivity warnings")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.warned_at:%Y-%m-%d}"
