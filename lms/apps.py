from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    label = "lms"
    verbose_name = _("Platform")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.account.signals import password_reset

        from .accounts import address_verify_on_password_reset
        from .navigation import nav_cache_connect
        from .page_cache import page_cache_connect
        from .page_routes import page_routes_connect
        from .sites import site_sync

        post_migrate.connect(site_sync, sender=self, dispatch_uid="lms.site_sync")
        page_cache_connect()
        page_routes_connect()
        nav_cache_connect()
        password_reset.connect(
            address_verify_on_password_reset, dispatch_uid="lms.address_verify_on_password_reset"
        )
