import functools

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, include, path, re_path
from django.views.i18n import JavaScriptCatalog
from oauth2_provider import urls as oauth2_provider_urls
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from . import consent_views, health
from .consent import study_refusal
from .i18n import language_switch
from .views import external_login_link, portal_login, vision_settings_set

# The OpenID Connect provider serves what JupyterHub logs in with (docker/jupyterhub/jupyterhub_config.py:
# authorize, token, userinfo) and the public documents describing it (discovery, signing keys, RFC 8414
# metadata, whose address also gives the authorization response's `iss`). Nothing else of
# django-oauth-toolkit: no application self-service, token management, device flow, dynamic client
# registration, revocation, introspection or RP-initiated logout (`ensure_hub_client` registers the hub).
OAUTH_ENDPOINTS = {
    "authorize",
    "token",
    "user-info",
    "oidc-connect-discovery-info",
    "jwks-info",
    "oauth-server-metadata",
}


def _study_gated(view):
    """*view*, refused to a learner who may not study yet (`lms.consent.study_refusal`): signing in to
    JupyterHub through the portal is studying, so a learner under 14 waiting for a parent's consent gets
    the page that says so instead of a notebook server."""

    @functools.wraps(view)
    def gated(request, *args, **kwargs):
        return study_refusal(request) or view(request, *args, **kwargs)

    return gated


oauth_urlpatterns = [
    URLPattern(p.pattern, _study_gated(p.callback), p.default_args, p.name) if p.name == "authorize" else p
    for p in oauth2_provider_urls.urlpatterns
    if p.name in OAUTH_ENDPOINTS
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # One log-in page for the whole site, allauth's (e-mail verification, rate limits): the admins' and
    # Wagtail's private pages' log-in forms send anonymous visitors there (see lms.views.portal_login).
    path("django-admin/login/", portal_login),
    path("django-admin/", admin.site.urls),
    path("admin/login/", portal_login),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/external/link/", external_login_link, name="external_login_link"),
    # Consent to the processing of personal data (lms.consent): at log-in, and a parent's for a learner
    # under 14 (the link e-mailed to them).
    path("accounts/consent/", consent_views.consent, name="consent"),
    path("accounts/consent/guardian/", consent_views.guardian_pending, name="consent_guardian_pending"),
    path(
        "accounts/consent/guardian/<str:token>/",
        consent_views.guardian_confirm,
        name="consent_guardian_confirm",
    ),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", language_switch, name="set_language"),
    path("accessibility/", vision_settings_set, name="vision_settings"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("oauth/", include((oauth_urlpatterns, "oauth2_provider"))),
    path("api/v1/", include("lms.api")),
    path("learning/", include("courses.urls")),
    path("network/", include("lyceums.urls")),
    path("exercises/", include("grading.urls")),
    path("hub/", include("hub.urls")),
    path("privacy/", include("privacy.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Site pages: the default language's at their own addresses, another language's under its prefix (/tt/…);
# an address without a prefix is routed in the page tree of the visitor's language (see lms/i18n.py).
urlpatterns += [path("_util/login/", portal_login)]
urlpatterns += i18n_patterns(path("", include(wagtail_urls)), prefix_default_language=False)
urlpatterns += [re_path(wagtail_urls.serve_pattern, wagtail_views.serve, name="wagtail_serve_any_language")]
