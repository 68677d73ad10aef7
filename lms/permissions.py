"""Who may call the REST API (`/api/v1/`): the default permission of every API view (REST_FRAMEWORK in
the settings). Kept apart from `lms.api`, which DRF would otherwise import while it is itself loading."""

from __future__ import annotations

from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasReadWriteScope
from rest_framework.permissions import BasePermission


class IsAuthenticatedWithApiScope(BasePermission):
    """A logged-in session, or an OAuth access token granted the API's scope for the method: `read` for
    safe methods, `write` (which the provider does not offer) otherwise. Tokens issued for logging in
    elsewhere (JupyterHub's `openid profile email groups`) do not open the API."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if isinstance(request.successful_authenticator, OAuth2Authentication):
            return TokenHasReadWriteScope().has_permission(request, view)
        return True
