from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    label = "privacy"
    verbose_name = _("Personal data")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at module level: scoping imports models, which need a ready registry.
        from lms.navigation import register_nav_item
        from lyceums import scoping

        register_nav_item(
            label=_("My data"),
            url_name="privacy:my_data",
            order=90,
            is_visible=lambda user: user.is_authenticated,
        )
        register_nav_item(
            label=_("Deletion requests"),
            url_name="privacy:queue",
            order=70,
            is_visible=scoping.is_republic_admin,
        )
        register_nav_item(
            label=_("Access log"),
            url_name="privacy:access_log",
            order=71,
            is_visible=scoping.is_republic_admin,
        )
