"""The staff access log of personal data (152-FZ): who looked at which learner's data, when, and what.

Each kind of page that shows a learner's personal data to staff calls `record_access` once, in the one
view (or view helper) that serves it: the learner page (`lyceums.views.learner_detail`), a submission
and its notebook, a gradebook and its export (`grading.views`), a certificate downloaded by staff
(`courses.views.certificate_pdf`, through the `courses.signals.learner_record_accessed` signal, since
`courses` sits below `lyceums`), a person's account opened in the Wagtail admin (the `before_edit_user`
and `before_delete_user` hooks in `lyceums.wagtail_hooks`) or in the Django admin (`lms.admin.UserAdmin`,
through `lms.signals.user_account_viewed`). A record is one INSERT. A person looking at their own data is not
logged: the log is about staff. Only republic administrators read it (`access_entries`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from . import scoping
from .models import PersonalDataAccess

Action = PersonalDataAccess.Action


def record_access(
    *, viewer, action: str, learner=None, detail: str = "", path: str = ""
) -> PersonalDataAccess | None:
    """Log that `viewer` saw `learner`'s personal data (`action`, one of `PersonalDataAccess.Action`;
    `detail` names what, e.g. the group and exercise of a gradebook). Nothing is logged for an
    anonymous viewer or for a learner's look at their own data. One INSERT, no other query."""
    if not getattr(viewer, "is_authenticated", False):
        return None
    if learner is not None and learner.pk == viewer.pk:
        return None
    return PersonalDataAccess.objects.create(
        staff_id=viewer.pk,
        learner_id=getattr(learner, "pk", None),
        action=action,
        detail=detail[:300],
        path=path[:500],
    )


def learner_record_accessed_receiver(sender, *, viewer, learner, action, detail="", path="", **kwargs):
    """Receives `courses.signals.learner_record_accessed` (sent by views of the apps below `lyceums`)."""
    record_access(viewer=viewer, learner=learner, action=action, detail=detail, path=path)


def user_account_viewed_receiver(sender, *, viewer, person, detail="", path="", **kwargs):
    """Receives `lms.signals.user_account_viewed` (a person's account opened in the Django admin)."""
    record_access(viewer=viewer, learner=person, action=Action.ACCOUNT, detail=detail, path=path)


def can_read_access_log(user) -> bool:
    """Only republic administrators read the access log."""
    return scoping.is_republic_admin(user)


def access_entries(
    *,
    staff: str = "",
    learner: str = "",
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet:
    """Log entries, newest first, filtered: `staff` and `learner` match part of the name or e-mail
    address (or the exact id), `action` one kind, `since`/`until` the days (inclusive)."""
    entries = PersonalDataAccess.objects.select_related("staff", "learner")
    for field, text in (("staff", staff), ("learner", learner)):
        text = text.strip()
        if not text:
            continue
        match = Q(**{f"{field}__email__icontains": text}) | Q(**{f"{field}__full_name__icontains": text})
        if text.isdigit():
            match |= Q(**{f"{field}_id": int(text)})
        entries = entries.filter(match)
    if action:
        entries = entries.filter(action=action)
    if since:
        entries = entries.filter(accessed_at__date__gte=since)
    if until:
        entries = entries.filter(accessed_at__date__lte=until)
    return entries.order_by("-accessed_at", "-pk")
