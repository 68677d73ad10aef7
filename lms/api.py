"""The REST API root: each app contributes its routes under /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView


def only_public_api(endpoints: list) -> list:
    """The OpenAPI document describes /api/v1/ only, not the admin's internal APIs."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("", include("lyceums.api")),
]
