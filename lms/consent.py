"""Consent to the processing of personal data (Federal Law 152-FZ): who has to give it, recording it,
the parent's or guardian's confirmation for a learner under 14, and the gate in front of studying.

The policy itself is a page edited in Wagtail (`content.PrivacyPolicyPage`); `lms` is below `content`
and learns the current policy only through the lookup `content` registers when it is ready
(`policy_lookup_register`). With no policy published there is nothing to consent to and nothing here
asks for consent: the operator publishes the policy before opening registration.

Two requirements, checked in two places:

- *Own consent* to the current policy version (and, under 14, a parent's or guardian's address):
  without it a signed-in person reaches nothing but the consent page, their account pages and the
  policy (`ConsentRequiredMiddleware`).
- *A parent's or guardian's consent* for a learner under 14: without it the learner may sign in and
  look around but not study. Every study entry point (enrolment, lessons, quizzes, exercises, JupyterHub)
  asks `study_refusal`, the one rule, and returns the page it gives.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Consent, User
from .sites import site_url

GUARDIAN_CONSENT_AGE = 14  # 152-FZ art. 9 with the Civil Code art. 28: under 14 a parent acts for the child
GUARDIAN_LINK_SALT = "lms.consent.guardian"
SESSION_KEY = "consent_policy_version"


@dataclass(frozen=True)
class Policy:
    """The personal-data policy in force: its version label, the page's address and its effective date."""

    version: str
    url: str
    effective_date: datetime.date | None = None
    title: str = ""


PolicyLookup = Callable[[], Policy | None]
_policy_lookup: PolicyLookup | None = None


def policy_lookup_register(lookup: PolicyLookup | None) -> PolicyLookup | None:
    """Set the function that finds the current policy (`content` registers its page's selector); returns
    the previous one, so a test can put it back."""
    global _policy_lookup
    previous, _policy_lookup = _policy_lookup, lookup
    return previous


def policy_current() -> Policy | None:
    """The policy in force, or None when none is published (or nothing registered a lookup)."""
    return _policy_lookup() if _policy_lookup is not None else None


# --- reads ---------------------------------------------------------------------------------------------


def needs_guardian(user: User) -> bool:
    """Whether the person is under 14, so that a parent or guardian has to consent for them."""
    return user.is_younger_than(GUARDIAN_CONSENT_AGE)


def own_consent_missing(*, user: User, policy: Policy | None) -> bool:
    """Whether the person still has to accept *policy* themselves (or, under 14, name a parent)."""
    if policy is None:
        return False
    if needs_guardian(user) and not user.guardian_email:
        return True
    return not Consent.objects.filter(
        user=user, kind=Consent.Kind.OWN, policy_version=policy.version
    ).exists()


def guardian_consent_missing(*, user: User, policy: Policy | None) -> bool:
    """Whether the learner is under 14 and no parent or guardian has confirmed *policy* for them yet."""
    if policy is None or not needs_guardian(user):
        return False
    return not Consent.objects.filter(
        user=user, kind=Consent.Kind.GUARDIAN, policy_version=policy.version
    ).exists()


# --- writes --------------------------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address as allauth reads it (behind TRUSTED_PROXY_COUNT proxies)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:  # no address at all: recorded as unknown rather than refusing the consent
        return None


def _consent_store(
    *, user: User, kind: str, policy: Policy, ip_address: str | None, guardian_email: str = ""
):
    """The consent row, created once per person, kind and version (a repeat keeps the first)."""
    try:
        with transaction.atomic():
            return Consent.objects.create(
                user=user,
                kind=kind,
                policy_version=policy.version,
                ip_address=ip_address,
                guardian_email=guardian_email,
            )
    except IntegrityError:
        return Consent.objects.get(user=user, kind=kind, policy_version=policy.version)


@transaction.atomic
def consent_give(
    *,
    request: HttpRequest,
    user: User,
    policy: Policy,
    birth_date: datetime.date | None = None,
    guardian_email: str = "",
) -> Consent:
    """Record the person's own consent to *policy* with the time and their address; store the birth date
    and the parent's address when given. A learner under 14 without a parent's consent to this version
    gets the e-mail to their parent sent (after the transaction commits)."""
    fields = []
    if birth_date is not None:
        user.birth_date, user.birth_year = birth_date, birth_date.year
        fields += ["birth_date", "birth_year"]
    if guardian_email:
        user.guardian_email = guardian_email
        fields.append("guardian_email")
    if fields:
        user.save(update_fields=fields)
    consent = _consent_store(user=user, kind=Consent.Kind.OWN, policy=policy, ip_address=client_ip(request))
    if guardian_consent_missing(user=user, policy=policy) and user.guardian_email:
        transaction.on_commit(lambda: guardian_request_send(user=user, policy=policy))
    return consent


def guardian_link_token(*, user: User, policy: Policy) -> str:
    """A signed token naming the learner, the parent's address and the policy version."""
    return signing.dumps(
        {"u": user.pk, "e": user.guardian_email, "v": policy.version}, salt=GUARDIAN_LINK_SALT
    )


class GuardianLinkInvalid(Exception):
    """The link was altered, has expired, or no longer matches the learner's parent or the policy."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "invalid" | "expired" | "outdated"


def guardian_link_read(token: str) -> tuple[User, Policy]:
    """The learner and the policy a parent's link is for; raises `GuardianLinkInvalid`."""
    try:
        data = signing.loads(token, salt=GUARDIAN_LINK_SALT, max_age=settings.GUARDIAN_CONSENT_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise GuardianLinkInvalid("expired") from None
    except signing.BadSignature:
        raise GuardianLinkInvalid("invalid") from None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    policy = policy_current()
    if user is None or not user.guardian_email or user.guardian_email != data.get("e"):
        raise GuardianLinkInvalid("invalid")
    if policy is None or policy.version != data.get("v"):
        raise GuardianLinkInvalid("outdated")
    return user, policy


def guardian_request_send(*, user: User, policy: Policy) -> None:
    """E-mail the learner's parent or guardian the link that confirms the consent (in the current
    language, signed with the site's name, on the site's public address)."""
    token = guardian_link_token(user=user, policy=policy)
    context = {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "learner": user,
        "link": site_url(reverse("consent_guardian_confirm", args=[token])),
        "policy": policy,
        "policy_url": site_url(policy.url),
        "valid_days": settings.GUARDIAN_CONSENT_LINK_MAX_AGE // 86400,
    }
    subject = render_to_string("lms/email/guardian_consent_subject.txt", context).strip()
    body = render_to_string("lms/email/guardian_consent_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.guardian_email])


def guardian_request_resend(*, request: HttpRequest, user: User, guardian_email: str = "") -> bool:
    """Send the parent's e-mail again (to a corrected address when given); False when one went out less
    than a minute ago, so that the button cannot be used to flood a mailbox."""
    policy = policy_current()
    if policy is None or not guardian_consent_missing(user=user, policy=policy):
        return False
    if not cache.add(f"lms:consent:guardian-mail:{user.pk}", 1, timeout=60):
        return False
    if guardian_email and guardian_email != user.guardian_email:
        user.guardian_email = guardian_email
        user.save(update_fields=["guardian_email"])
    guardian_request_send(user=user, policy=policy)
    return True


@transaction.atomic
def guardian_consent_confirm(*, request: HttpRequest, user: User, policy: Policy) -> Consent:
    """Record the parent's or guardian's consent for *user* to *policy*: time, address, their e-mail."""
    return _consent_store(
        user=user,
        kind=Consent.Kind.GUARDIAN,
        policy=policy,
        ip_address=client_ip(request),
        guardian_email=user.guardian_email,
    )


# --- the gates -----------------------------------------------------------------------------------------


def study_refusal(request: HttpRequest) -> HttpResponse | None:
    """None when the signed-in person may study; for a learner under 14 whose parent has not confirmed
    yet, the page that says so and offers to send the e-mail again (403). The one rule every study entry
    point applies."""
    user = request.user
    if not user.is_authenticated:
        return None
    policy = policy_current()
    if not guardian_consent_missing(user=user, policy=policy):
        return None
    return render(
        request,
        "lms/consent_guardian_pending.html",
        {"policy": policy, "guardian_email": user.guardian_email},
        status=403,
    )


def _allowed_paths(policy: Policy) -> tuple[str, ...]:
    return (
        "/accounts/",
        "/i18n/",
        "/accessibility/",
        # The rights to one's data (a copy, deletion) do not depend on accepting the new policy.
        "/privacy/",
        "/jsi18n/",
        "/healthz",
        "/readyz",
        "/hub/signed-out/",
        settings.STATIC_URL,
        *([policy.url] if policy.url else []),
    )


class ConsentRequiredMiddleware:
    """Sends a signed-in person who has not accepted the current policy version (an imported account at
    its first log-in, anyone after the policy changed) to the consent page before anything else; the
    account pages, the policy itself and the parent's confirmation stay open. The accepted version is
    remembered in the session, so a consented person costs no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            policy = policy_current()
            if policy is not None and request.session.get(SESSION_KEY) != policy.version:
                if not own_consent_missing(user=user, policy=policy):
                    request.session[SESSION_KEY] = policy.version
                elif not request.path.startswith(_allowed_paths(policy)):
                    url = reverse("consent")
                    if request.method == "GET":
                        url += "?" + urlencode({"next": request.get_full_path()}, safe="/")
                    return HttpResponseRedirect(url)
        return self.get_response(request)
