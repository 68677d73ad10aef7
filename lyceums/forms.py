from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import TrackPage


class PlanForm(forms.Form):
    track = forms.ModelChoiceField(
        label=_("Track"), queryset=TrackPage.objects.order_by("sort_order", "title")
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    planned_enrolments = forms.IntegerField(label=_("Planned enrolments"), min_value=0, max_value=1_000_000)


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (CSV or XLSX)"),
        help_text=_(
            "Columns: full name, e-mail, birth year, lyceum code, group, role (student or teacher). "
            "Russian headers are accepted: ФИО, Эл. почта, Год рождения, Код лицея, Группа, Роль."
        ),
    )
