from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "content"
    label = "content"
    verbose_name = _("Site content")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_unpublished

        from lms.consent import policy_lookup_register

        from .models import PrivacyPolicyPage
        from .selectors import privacy_policy_current, privacy_policy_forget

        # lms asks for the policy people consent to through this lookup (it cannot import content).
        policy_lookup_register(privacy_policy_current)
        signals = {"saved": post_save, "deleted": post_delete, "published": page_published}
        signals["unpublished"] = page_unpublished
        for name, signal in signals.items():
            signal.connect(
                privacy_policy_forget, sender=PrivacyPolicyPage, dispatch_uid=f"content.policy.{name}"
            )
