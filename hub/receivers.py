"""Signal receivers: each only hands over to a task once the sender's transaction has committed."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from .tasks import hub_user_delete_task


def person_anonymised_delete_hub_user(sender, *, user, **kwargs) -> None:
    """A person was anonymised (`lms.signals.person_anonymised`): once that commits, delete their
    JupyterHub user and home directory in a task. If the broker is down the anonymisation still commits
    (the failure is logged); deleting the hub user is then the operator's step."""
    transaction.on_commit(partial(hub_user_delete_task.delay, user.pk), robust=True)
