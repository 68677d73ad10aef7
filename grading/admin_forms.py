"""The Wagtail admin form of an exercise: the instructor notebook is validated and its release version
generated with nbgrader before anything is saved."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .models import TestVisibility


class ExerciseAdminForm(WagtailAdminModelForm):
    instructor_notebook = forms.FileField(
        label=_("Instructor notebook (.ipynb)"),
        required=False,
        help_text=_(
            "The nbgrader source notebook: solution cells, test cells with points, hidden tests. "
            "Leave empty to keep the current one."
        ),
    )

    def clean_test_visibility_overrides(self):
        value = self.cleaned_data.get("test_visibility_overrides") or {}
        if not isinstance(value, dict) or any(v not in TestVisibility.values for v in value.values()):
            raise ValidationError(
                _('Use an object like {"test_id": "never"}; values: always, after_deadline, never.')
            )
        return value

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("instructor_notebook")
        self._prepared_source = None
        has_notebook = bool(self.instance and self.instance.source_notebook)
        if "language" in self.changed_data and self.instance.pk and self.instance.submissions.exists():
            # Learners' copies carry the old stubs: graded with the new ones, every answer they left
            # untouched would go to teachers as work to mark by hand.
            self.add_error(
                "language",
                _("Learners have submitted this exercise: its language can no longer change."),
            )
        if upload:
            source = upload.read()
        elif has_notebook and "language" in self.changed_data:
            # The starter notebook is made again: its stubs are written in the exercise's language.
            try:
                with self.instance.source_notebook.open("rb") as handle:
                    source = handle.read()
            except OSError:
                source = None
                self.add_error("instructor_notebook", _("Upload the instructor notebook."))
        else:
            source = None
            if not has_notebook:
                self.add_error("instructor_notebook", _("Upload the instructor notebook."))
        if source is not None:
            from .services import exercise_prepare_notebook

            try:
                exercise_prepare_notebook(source=source, language=cleaned.get("language"))
            except ValidationError as error:
                self.add_error("instructor_notebook", error)
            else:
                self._prepared_source = source
        return cleaned

    def save(self, commit: bool = True):
        instance = super().save(commit=False)
        if not commit:
            return instance
        from .services import exercise_set_notebook

        if self._prepared_source is not None:
            return exercise_set_notebook(exercise=instance, source=self._prepared_source)
        instance.save()
        return instance
