"""Sign-in through an external OpenID Connect provider (django-allauth's `openid_connect` provider,
configured by the EXTERNAL_OIDC_* settings).

A first sign-in through the provider either creates a new account (its address counts as verified only
when the provider says so) or, when an account with that address already exists, asks to link the two.
Linking is never automatic: the provider must have verified the address, and the person must confirm
with the existing account's password (`link_confirm`); a provider that does not vouch for the address
cannot be linked at all, whoever typed it there. Once linked, the provider signs the person straight in.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .models import User, normalize_email_address

PENDING_LINK_KEY = "external_login_pending_link"


def provider_email(sociallogin: SocialLogin) -> tuple[str, bool]:
    """The normalised address the provider gave and whether it vouched for it; ("", False) when it gave
    none or a look-alike address the accounts refuse."""
    for address in sociallogin.email_addresses:
        try:
            return normalize_email_address(address.email), bool(address.verified)
        except ValidationError:
            return "", False
    return "", False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """An external sign-in whose address belongs to an existing, not yet linked account stops here:
        with a verified address it goes to the link confirmation, without one it is refused."""
        if sociallogin.is_existing:
            return
        email, verified = provider_email(sociallogin)
        if not email or not User.objects.filter(email__iexact=email).exists():
            return
        if not verified:
            messages.error(
                request,
                _(
                    "An account with the address %(email)s already exists, and %(provider)s has not "
                    "confirmed that the address is yours. Log in with your password."
                )
                % {"email": email, "provider": sociallogin.provider.name},
            )
            raise ImmediateHttpResponse(redirect("account_login"))
        request.session[PENDING_LINK_KEY] = sociallogin.serialize()
        raise ImmediateHttpResponse(redirect("external_login_link"))

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data) -> User:
        """The new account's address (normalised) and full name from the provider's claims."""
        user = sociallogin.user
        email, _verified = provider_email(sociallogin)
        user.email = email
        given = " ".join(part for part in (data.get("last_name"), data.get("first_name")) if part)
        user.full_name = (data.get("name") or given or "").strip()[:200]
        return user


def pending_link(request: HttpRequest) -> tuple[SocialLogin, User] | None:
    """The external sign-in waiting for confirmation in this session and the account it would join."""
    data = request.session.get(PENDING_LINK_KEY)
    if not data:
        return None
    try:
        sociallogin = SocialLogin.deserialize(data)
    except (ValueError, TypeError, KeyError):
        return None
    email, verified = provider_email(sociallogin)
    user = User.objects.filter(email__iexact=email).first() if email and verified else None
    if user is None:
        return None
    return sociallogin, user


def link_confirm(request: HttpRequest, sociallogin: SocialLogin, user: User, password: str) -> bool:
    """Links the external sign-in to *user* if *password* is theirs; the attempts count against the
    same rate limit as failed log-ins. The address becomes verified: the provider vouched for it and the
    owner of the account confirmed."""
    key = user.email.lower()
    if refusal := ratelimit.consume_or_429(request, action="login_failed", key=key):
        raise ImmediateHttpResponse(refusal)
    if not user.is_active or not user.check_password(password):
        return False
    ratelimit.clear(request, action="login_failed", key=key)
    with transaction.atomic():
        sociallogin.connect(request, user)
        EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
        if not EmailAddress.objects.filter(user=user, email__iexact=user.email).exists():
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    request.session.pop(PENDING_LINK_KEY, None)
    return True
