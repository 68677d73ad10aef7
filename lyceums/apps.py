from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class LyceumsConfig(AppConfig):
    name = "lyceums"
    label = "lyceums"
    verbose_name = _("Lyceum network")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at module level: these modules import models, which need a ready registry.
        from courses.services import placement_resolver_register
        from courses.signals import enrolment_changed, learner_record_accessed
        from lms.navigation import nav_cache_forget_on_change, register_nav_item
        from lms.signals import user_account_viewed

        from . import scoping
        from .access_log import learner_record_accessed_receiver, user_account_viewed_receiver
        from .models import StaffAssignment, StudyGroup
        from .receivers import enrolment_changed_refresh_stats, staff_assignment_changed_forget_menu
        from .selectors import learner_placement

        enrolment_changed.connect(enrolment_changed_refresh_stats, dispatch_uid="lyceums.stats")
        # Roles shown in the menu: a staff assignment, teaching a group.
        for signal in (post_save, post_delete):
            signal.connect(
                staff_assignment_changed_forget_menu, sender=StaffAssignment, dispatch_uid="lyceums.nav"
            )
        nav_cache_forget_on_change(StudyGroup.teachers.through)
        placement_resolver_register(learner_placement)
        learner_record_accessed.connect(learner_record_accessed_receiver, dispatch_uid="lyceums.access_log")
        user_account_viewed.connect(user_account_viewed_receiver, dispatch_uid="lyceums.access_log.account")

        register_nav_item(
            label=_("Dashboards"),
            url_name="lyceums:dashboard",
            order=50,
            is_visible=scoping.can_see_dashboards,
        )
        register_nav_item(
            label=_("My groups"),
            url_name="lyceums:groups",
            order=55,
            is_visible=lambda user: (
                scoping.visible_groups(user).exists() and not scoping.can_see_dashboards(user)
            ),
        )
        register_nav_item(
            label=_("Import people"),
            url_name="lyceums:import_upload",
            order=60,
            is_visible=scoping.can_import,
        )
