from django import forms
from django.utils.translation import gettext_lazy as _

from lyceums.models import PersonalDataAccess


class DeletionRequestForm(forms.Form):
    """The learner's confirmation step before a deletion request is filed."""

    reason = forms.CharField(
        label=_("Why (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that my name, e-mail address and notebooks will be removed and that I will not "
            "be able to log in again."
        ),
        required=True,
    )


class DecisionForm(forms.Form):
    """A republic administrator's decision on a deletion request."""

    DECISIONS = [("carry_out", _("Carry out: anonymise the person")), ("refuse", _("Refuse"))]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note (required for a refusal)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the request is refused."))
        return data


class AccessLogFilterForm(forms.Form):
    staff = forms.CharField(label=_("Who"), required=False, max_length=200)
    learner = forms.CharField(label=_("Learner"), required=False, max_length=200)
    action = forms.ChoiceField(
        label=_("What"), required=False, choices=[("", _("Everything")), *PersonalDataAccess.Action.choices]
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
