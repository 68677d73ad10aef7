"""The portal as an OpenID Connect provider: the claims JupyterHub (and any other relying party) gets.

`preferred_username` is `u<user id>`: it never changes when a person edits their e-mail address or name,
and it is a valid JupyterHub and Unix user name. `groups` carries the person's roles on the portal so
that the hub can manage its groups from them.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from oauth2_provider.oauth2_validators import OAuth2Validator

from lyceums import scoping

GROUP_LEARNERS = "learners"
GROUP_TEACHERS = "teachers"
GROUP_COORDINATORS = "coordinators"
GROUP_ADMINISTRATORS = "administrators"


def hub_username(user) -> str:
    """The user's stable name on JupyterHub (and the `preferred_username` claim)."""
    return hub_username_of(user.pk)


def hub_username_of(user_id: int) -> str:
    """The JupyterHub name of the portal user with the id *user_id*."""
    return f"u{user_id}"


def portal_groups(user) -> list[str]:
    """The portal roles of *user* as group names, most common first."""
    groups = [GROUP_LEARNERS]
    if scoping.is_teacher(user):
        groups.append(GROUP_TEACHERS)
    if scoping.is_coordinator(user):
        groups.append(GROUP_COORDINATORS)
    if scoping.is_republic_admin(user):
        groups.append(GROUP_ADMINISTRATORS)
    return groups


class PortalOAuth2Validator(OAuth2Validator):
    """Adds the profile, e-mail and groups claims to ID tokens and the userinfo endpoint."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "groups"}

    def get_additional_claims(self, request) -> dict:
        user = request.user
        return {
            "preferred_username": hub_username(user),
            "name": user.get_full_name(),
            "email": user.email,
            "email_verified": EmailAddress.objects.filter(
                user=user, email__iexact=user.email, verified=True
            ).exists(),
            "groups": portal_groups(user),
        }
