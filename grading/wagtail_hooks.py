from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .admin_forms import ExerciseAdminForm
from .models import Exercise


class ExerciseViewSet(SnippetViewSet):
    model = Exercise
    icon = "code"
    menu_label = _("Exercises")
    add_to_admin_menu = True
    menu_order = 250
    list_display = ["title", "slug", "max_score", "deadline", "updated_at"]
    search_fields = ["title", "slug"]
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("slug"),
            FieldPanel("language"),
            FieldPanel("description"),
            MultiFieldPanel(
                [
                    FieldPanel("instructor_notebook"),
                    HelpPanel(template="grading/admin/notebook_summary.html"),
                ],
                heading=_("Notebook"),
            ),
            InlinePanel(
                "data_files",
                heading=_("Data files"),
                label=_("Data file"),
                help_text=_(
                    "Files the notebook reads (CSV, images, text): placed next to it in JupyterLab, "
                    "offered for download with it, and present when it is graded."
                ),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("deadline"), FieldPanel("late_penalty_percent")]),
                    FieldRowPanel([FieldPanel("max_attempts"), FieldPanel("score_policy")]),
                    FieldPanel("test_visibility"),
                    FieldPanel("test_visibility_overrides"),
                ],
                heading=_("Rules"),
            ),
        ],
        base_form_class=ExerciseAdminForm,
    )


register_snippet(ExerciseViewSet)
