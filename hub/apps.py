from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    name = "hub"
    label = "hub"
    verbose_name = _("JupyterHub")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at module level: the receivers import tasks and models.
        from lms.signals import person_anonymised

        from .receivers import person_anonymised_delete_hub_user

        person_anonymised.connect(person_anonymised_delete_hub_user, dispatch_uid="hub.user_delete")
