"""Signal receivers: each records what it owes in the sender's transaction, and hands the work over to a
task only once that transaction has committed."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction

from .services import hub_user_deletion_create
from .tasks import hub_user_delete_task

logger = logging.getLogger(__name__)


def _hub_user_delete_queue(user_id: int) -> None:
    """Hand the owed deletion to the broker (after the commit). A broker that refuses it fails nothing
    else: the deletion stays owed and the sweeper (`hub.user_deletions_requeue`) queues it again."""
    try:
        hub_user_delete_task.delay(user_id)
    except Exception:  # noqa: BLE001 - the broker is down: the sweeper queues it later
        logger.exception("could not queue the hub user deletion of %s; the sweeper will", user_id)


def person_anonymised_delete_hub_user(sender, *, user, **kwargs) -> None:
    """A person was anonymised (`lms.signals.person_anonymised`): record, in the anonymisation's
    transaction, that their JupyterHub user and home directory are owed a deletion, and once it commits
    queue the task that deletes them."""
    hub_user_deletion_create(user=user)
    transaction.on_commit(partial(_hub_user_delete_queue, user.pk))
