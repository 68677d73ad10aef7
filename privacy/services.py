"""Deletion requests, anonymisation and the anonymisation of inactive accounts (152-FZ).

A person is never deleted: their enrolments, results and certificates are what the statistics count
and what a certificate's verification page confirms. `person_anonymise` removes what identifies them
instead — name, e-mail address, birth data, the parent's address, the IP addresses of their consents,
the notebooks they uploaded, the name on their certificates, their JupyterHub user and home directory —
and closes the account, so the numbers by municipality and lyceum stay as they were.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import partial

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import DateTimeField, F, Q
from django.db.models.functions import Coalesce, Greatest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from courses.models import Certificate
from grading.models import Submission, SubmissionEvent
from lms.models import Consent
from lms.signals import person_anonymised
from lms.sites import site_url
from lyceums.models import GroupMembership, ImportJob

from .models import Anonymisation, DeletionRequest, InactivityWarning

logger = logging.getLogger(__name__)

ANONYMOUS_DOMAIN = "anonymised.invalid"


def anonymised_email(user_id: int) -> str:
    """The placeholder address of an anonymised account: unique, and undeliverable (RFC 2606)."""
    return f"anonymised-{user_id}@{ANONYMOUS_DOMAIN}"


def _scrub_import_rows(*, email: str) -> None:
    """Remove the person's row from stored roster imports (their name and address as imported), and
    their address from the imports' error messages ("An account with the e-mail «…» already exists")."""
    for job in ImportJob.objects.filter(rows__icontains=email).only("pk", "rows"):
        rows = [row for row in job.rows if str(row.get("email", "")).lower() != email.lower()]
        if len(rows) != len(job.rows):
            ImportJob.objects.filter(pk=job.pk).update(rows=rows)
    pattern = re.compile(re.escape(email), re.IGNORECASE)
    for job in ImportJob.objects.filter(errors__icontains=email).only("pk", "errors"):
        errors = [
            {**error, "message": pattern.sub("…", str(error.get("message", "")))}
            if isinstance(error, dict)
            else error
            for error in job.errors
        ]
        ImportJob.objects.filter(pk=job.pk).update(errors=errors)


def _files_delete(*, names: list[str]) -> None:
    storage = Submission._meta.get_field("notebook").storage
    for name in names:
        storage.delete(name)


@transaction.atomic
def person_anonymise(*, user, reason: str) -> Anonymisation:
    """Anonymise the person (idempotent: a second call returns the first record). Their enrolments,
    progress, attempts, scores and certificates stay, so statistics and verification keep working."""
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    done = Anonymisation.objects.filter(user=user).first()
    if done is not None:
        return done
    old_email = user.email
    user.email = anonymised_email(user.pk)
    user.full_name = ""
    user.birth_year = None
    user.birth_date = None
    user.guardian_email = ""
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.save()

    # Without an active account nobody logs in as them again (sessions are refused for inactive users);
    # their addresses, external sign-ins and hub tokens go too.
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    for token_model in (AccessToken, RefreshToken, IDToken, Grant):
        token_model.objects.filter(user=user).delete()
    Consent.objects.filter(user=user).update(ip_address=None, guardian_email="")
    Certificate.objects.filter(enrolment__user=user).update(learner_name="")

    # The uploaded notebooks hold whatever the person wrote (names in comments, say): the files and the
    # graded copies go; the scores stay.
    files = list(
        Submission.objects.filter(student=user).exclude(notebook="").values_list("notebook", flat=True)
    )
    Submission.objects.filter(student=user).update(
        notebook="", filename="", graded_notebook=None, tamper_flags=[], error=""
    )
    # A failed grading copied its error (a traceback quoting their code) into the audit trail.
    SubmissionEvent.objects.filter(submission__student=user, to_state=Submission.State.FAILED).update(
        detail=""
    )
    transaction.on_commit(partial(_files_delete, names=files))

    # Nobody teaches an anonymous person: they leave their groups (the history of the membership stays;
    # statistics count enrolments, not memberships).
    GroupMembership.objects.filter(student=user, left_at__isnull=True).update(left_at=timezone.now())
    _scrub_import_rows(email=old_email)
    InactivityWarning.objects.filter(user=user).delete()
    DeletionRequest.objects.filter(user=user).update(reason="")  # their own words may name them
    record = Anonymisation.objects.create(user=user, reason=reason)
    # The JupyterHub user and the home directory on the hub go too, once this commits (`hub` receives).
    person_anonymised.send(sender=Anonymisation, user=user)
    logger.info("person anonymised: user %s, %s", user.pk, reason)
    return record


# --- Requests ------------------------------------------------------------------------------------------


@transaction.atomic
def deletion_request_create(*, user, reason: str = "") -> DeletionRequest:
    """The person asks for deletion; asking again while a request waits returns the waiting one."""
    pending = DeletionRequest.objects.filter(user=user, status=DeletionRequest.Status.PENDING).first()
    if pending is not None:
        return pending
    request = DeletionRequest(user=user, reason=reason.strip())
    request.full_clean()
    request.save()
    return request


def _pending(request: DeletionRequest) -> DeletionRequest:
    request = DeletionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != DeletionRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    return request


@transaction.atomic
def deletion_request_carry_out(*, request: DeletionRequest, admin, note: str = "") -> DeletionRequest:
    """A republic administrator carries the request out: the person is anonymised."""
    request = _pending(request)
    person_anonymise(user=request.user, reason=Anonymisation.Reason.REQUEST)
    request.status = DeletionRequest.Status.CARRIED_OUT
    request.decided_by = admin
    request.decided_at = timezone.now()
    request.decision_note = note.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return request


@transaction.atomic
def deletion_request_refuse(*, request: DeletionRequest, admin, note: str) -> DeletionRequest:
    """A republic administrator refuses the request, saying why (a law requiring the data be kept,
    say); the person keeps their account and may ask again."""
    if not note.strip():
        raise ValidationError(_("Say why the request is refused."))
    request = _pending(request)
    request.status = DeletionRequest.Status.REFUSED
    request.decided_by = admin
    request.decided_at = timezone.now()
    request.decision_note = note.strip()
    request.save()
    return request


# --- Inactive accounts ---------------------------------------------------------------------------------


def _with_last_seen(users):
    """Annotate `last_seen`: the latest of the log-in, the last activity and the registration."""
    return users.annotate(
        last_seen=Greatest(
            Coalesce("last_login", "date_joined"),
            Coalesce("last_activity", "date_joined"),
            "date_joined",
            output_field=DateTimeField(),
        )
    )


def _warning_send(*, user, anonymise_on: dt.date) -> None:
    context = {
        "user": user,
        "anonymise_on": anonymise_on,
        "login_url": site_url(reverse("account_login")),
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("privacy/email/inactivity_warning_subject.txt", context).strip()
        body = render_to_string("privacy/email/inactivity_warning_body.txt", context)
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]
    )


def inactive_accounts_sweep(*, now: dt.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Warn, then anonymise, accounts unused for `PERSONAL_DATA_INACTIVE_DAYS`.

    A person unseen (no log-in, no activity) for that period minus `PERSONAL_DATA_WARNING_DAYS` gets one
    warning e-mail; once the period is over and at least the warning time has passed since the warning
    with no visit in between, they are anonymised. Whoever comes back after the warning is kept (the
    warning is dropped and sent again only after a new period). Superusers are left alone. Idempotent:
    a second run the same day does nothing; each run handles at most `batch` people of each kind."""
    now = now or timezone.now()
    inactive_after = dt.timedelta(days=settings.PERSONAL_DATA_INACTIVE_DAYS)
    warning_ahead = dt.timedelta(days=settings.PERSONAL_DATA_WARNING_DAYS)
    people = _with_last_seen(get_user_model().objects.filter(is_superuser=False, anonymisation__isnull=True))

    came_back = InactivityWarning.objects.filter(
        user__in=people.filter(last_seen__gt=F("inactivity_warning__warned_at")).values("pk")
    )
    kept = came_back.delete()[0]

    warned = 0
    for user in people.filter(
        last_seen__lte=now - inactive_after + warning_ahead, inactivity_warning__isnull=True, is_active=True
    ).order_by("pk")[:batch]:
        if not user.email or user.email.endswith("@" + ANONYMOUS_DOMAIN):
            continue
        anonymise_on = timezone.localdate(max(user.last_seen + inactive_after, now + warning_ahead))
        _warning_send(user=user, anonymise_on=anonymise_on)
        InactivityWarning.objects.create(user=user, warned_at=now)
        warned += 1

    anonymised = 0
    for user in people.filter(
        Q(last_seen__lte=now - inactive_after),
        inactivity_warning__warned_at__lte=now - warning_ahead,
        last_seen__lte=F("inactivity_warning__warned_at"),
    ).order_by("pk")[:batch]:
        person_anonymise(user=user, reason=Anonymisation.Reason.INACTIVITY)
        anonymised += 1
    logger.info("inactive accounts: %s warned, %s anonymised, %s kept", warned, anonymised, kept)
    return {"warned": warned, "anonymised": anonymised, "kept": kept}
