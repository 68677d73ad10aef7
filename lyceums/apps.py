from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LyceumsConfig(AppConfig):
    name = "lyceums"
    label = "lyceums"
    verbose_name = _("Lyceum network")
    default_auto_field = "django.db.models.BigAutoField"
