from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "grading"
    label = "grading"
    verbose_name = _("Grading")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.navigation import register_nav_item
        from lyceums import scoping

        from . import worker  # noqa: F401 - a grading worker self-tests its sandbox before consuming

        register_nav_item(
            label=_("Gradebook"), url_name="grading:gradebook", order=60, is_visible=scoping.is_staff_member
        )
