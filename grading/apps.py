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

        # metrics counts grading outcomes as they are recorded; a grading worker self-tests its sandbox
        # before consuming.
        from . import metrics, worker  # noqa: F401

        register_nav_item(
            label=_("Gradebook"), url_name="grading:gradebook", order=60, is_visible=scoping.is_staff_member
        )
