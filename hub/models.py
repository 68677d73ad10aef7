"""What the portal owes JupyterHub: the deletion of an anonymised person's hub user (152-FZ)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class HubUserDeletion(models.Model):
    """The hub user (`u<id>`, with their server and home directory) of an anonymised person, owed a
    deletion from the anonymisation's commit until the hub has deleted it (or answered that it has no such
    user). Written with the anonymisation, in its transaction; only `hub.services` changes it, and the
    deletion task deletes nothing on the hub without it. Never removed: it is the record that the duty was
    carried out, and when."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        FAILING = "failing", _("Failing: will be tried again")
        DONE = "done", _("Done")

    # PROTECT: an anonymised account is kept on purpose (statistics, certificates); deleting it must not
    # take the record of an owed or done deletion with it.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="hub_user_deletion",
        verbose_name=_("person"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    requeued_at = models.DateTimeField(_("queued again"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    tried_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("hub user deletion")
        verbose_name_plural = _("hub user deletions")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(
                fields=["requested_at"], condition=Q(done_at__isnull=True), name="hub_deletion_owed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.get_state_display()}"

    @property
    def state(self) -> str:
        """Done; failing (an attempt did not delete it, another will follow); or waiting for its first
        attempt."""
        if self.done_at is not None:
            return self.State.DONE
        return self.State.FAILING if self.last_error else self.State.WAITING

    def get_state_display(self) -> str:
        return str(self.State(self.state).label)
