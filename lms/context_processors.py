from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .navigation import nav_items_for


def platform(request: HttpRequest) -> dict:
    """Values every page template needs: the site name, the hub address and the menu."""
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "JUPYTERHUB_URL": settings.JUPYTERHUB_URL,
        "nav_items": SimpleLazyObject(lambda: nav_items_for(request.user)),
    }
