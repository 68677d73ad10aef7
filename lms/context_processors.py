from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .accessibility import vision_settings
from .navigation import may_edit_pages, nav_items_for


def platform(request: HttpRequest) -> dict:
    """Values every page template needs: the site name, the hub address, the menu, whether to show
    Wagtail's editor bar and the settings of the version for the visually impaired (None: the ordinary
    version)."""
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "JUPYTERHUB_URL": settings.JUPYTERHUB_URL,
        "nav_items": SimpleLazyObject(lambda: nav_items_for(request.user)),
        "may_edit_pages": SimpleLazyObject(lambda: may_edit_pages(request.user)),
        "vision": vision_settings(request),
    }
