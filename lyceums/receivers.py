"""Signal receivers: each only hands over to a service once the sender's transaction has committed."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from lms.navigation import nav_items_forget

from .stats import stats_refresh_schedule


def enrolment_changed_refresh_stats(sender, *, enrolment, **kwargs) -> None:
    """An enrolment in a lyceum changed: refresh that lyceum's dashboard numbers shortly after commit.
    If the broker is down the change still commits (the failure is logged) and beat catches up."""
    if enrolment.lyceum_id is None:
        return
    transaction.on_commit(partial(stats_refresh_schedule, lyceum_ids=[enrolment.lyceum_id]), robust=True)


def staff_assignment_changed_forget_menu(sender, instance, **kwargs) -> None:
    """A staff role given or taken: the person's menu (remembered for a minute) is asked again."""
    nav_items_forget(user_id=instance.user_id)
