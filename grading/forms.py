"""Forms of the grading pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SubmissionUploadForm(forms.Form):
    notebook = forms.FileField(
        label=_("Your solution notebook (.ipynb)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".ipynb,application/x-ipynb+json"}),
    )
    lesson = forms.IntegerField(required=False, widget=forms.HiddenInput)


class GradeOverrideForm(forms.Form):
    score = forms.DecimalField(label=_("New score"), min_value=0, max_digits=8, decimal_places=2)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required: the learner and other teachers see why the grade changed."),
    )


class SubmissionReviewForm(forms.Form):
    """A teacher's decision on a flagged submission: the button pressed and the reason."""

    decision = forms.ChoiceField(
        choices=[("confirm", _("Confirm the score")), ("zero", _("Set the score to zero"))]
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required: kept in the submission's history with your decision."),
    )
