"""Reads of the personal-data app: a person's deletion requests and the administrators' queue."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import DeletionRequest


def pending_request(*, user) -> DeletionRequest | None:
    """The person's request waiting for a decision, if any."""
    return DeletionRequest.objects.filter(user=user, status=DeletionRequest.Status.PENDING).first()


def latest_request(*, user) -> DeletionRequest | None:
    """The person's newest request, whatever its status."""
    return DeletionRequest.objects.filter(user=user).order_by("-requested_at", "-pk").first()


def deletion_queue(*, status: str = DeletionRequest.Status.PENDING) -> QuerySet:
    """Requests with this status (all when empty), oldest first when waiting, else newest first."""
    requests = DeletionRequest.objects.select_related("user", "decided_by")
    if status:
        requests = requests.filter(status=status)
    if status == DeletionRequest.Status.PENDING:
        return requests.order_by("requested_at", "pk")
    return requests.order_by("-requested_at", "-pk")
