from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from . import health

# One log-in page for the whole site, allauth's (e-mail verification, rate limits): the log-in forms of
# the Django admin, the Wagtail admin and Wagtail's private pages send people there, keeping `next`.
portal_login = RedirectView.as_view(pattern_name="account_login", query_string=True)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("django-admin/login/", portal_login),
    path("django-admin/", admin.site.urls),
    path("admin/login/", portal_login),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("oauth/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("api/v1/", include("lms.api")),
    path("learning/", include("courses.urls")),
    path("network/", include("lyceums.urls")),
    path("exercises/", include("grading.urls")),
    path("hub/", include("hub.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("_util/login/", portal_login), path("", include(wagtail_urls))]
