"""Invitation e-mails for the people a roster import creates: a link to set their first password.

An imported account has no usable password, so its owner needs a way in. The link is allauth's
password-reset link (its token generator and its "set a new password" page): it expires like a reset
link (`PASSWORD_RESET_TIMEOUT`) and stops working once a password is set, and a person whose link has
expired asks for a new one with "Forgot your password?" on the log-in page. Only accounts the import
created are invited; existing accounts an import attaches keep signing in as before and get no e-mail.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.urls import reverse
from django.utils import translation

from lms.sites import site_url

# Invitations are sent by tasks of this many accounts each, so one large import does not make one long
# task whose retry would mail everyone again.
INVITATION_BATCH = 200


def invitation_url(user) -> str:
    """The absolute address of the page where `user` sets a password (allauth's reset-from-key page,
    on `SITE_URL`)."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return site_url(path)


def invitation_language(language: str) -> str:
    """`language` when the site offers it, otherwise the site's default (Russian)."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def invitations_send(*, user_ids: list[int], language: str) -> int:
    """E-mail an invitation, in `language`, to each of these accounts that still has no password and has
    never logged in (one who has set a password since, by any way, is skipped), signed with the current
    site's name and domain. Returns the number of e-mails sent."""
    site = Site.objects.get_current()
    adapter = get_adapter()
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True, last_login__isnull=True)
    sent = 0
    with translation.override(invitation_language(language)):
        for user in users.order_by("pk"):
            if user.has_usable_password():
                continue
            adapter.send_mail(
                "lyceums/email/invitation",
                user.email,
                {
                    "user": user,
                    "current_site": site,
                    "invitation_url": invitation_url(user),
                    "reset_url": site_url(reverse("account_reset_password")),
                    "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
                },
            )
            sent += 1
    return sent
