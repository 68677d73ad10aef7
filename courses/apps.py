from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    label = "courses"
    verbose_name = _("Courses")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.navigation import register_nav_item

        register_nav_item(label=_("Catalogue"), url_name="courses:catalogue", order=10)
        register_nav_item(
            label=_("My learning"),
            url_name="courses:my_learning",
            order=20,
            is_visible=lambda user: user.is_authenticated,
        )
