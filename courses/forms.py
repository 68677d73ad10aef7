"""Forms of the portal: the catalogue filter and the certificate check."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CoursePage


def _with_any(choices, label) -> list:
    return [("", label), *choices]


class CatalogFilterForm(forms.Form):
    """Filters of the course catalogue, sent with GET so a filtered list can be bookmarked."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    track = forms.ChoiceField(label=_("Track"), required=False)
    audience = forms.ChoiceField(
        label=_("For"), required=False, choices=_with_any(CoursePage.Audience.choices, _("Everyone"))
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=_with_any(CoursePage.Level.choices, _("Any level"))
    )
    format = forms.ChoiceField(
        label=_("Format"), required=False, choices=_with_any(CoursePage.Format.choices, _("Any format"))
    )

    def __init__(self, *args, tracks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].choices = _with_any([(t.code, t.title) for t in tracks], _("All tracks"))
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("id", f"catalog-{name}")
        self.fields["q"].widget.attrs["type"] = "search"


class CertificateCheckForm(forms.Form):
    """Someone holding a certificate's number and verification code checks that it is genuine."""

    number = forms.CharField(label=_("Certificate number"), max_length=32)
    code = forms.CharField(label=_("Verification code"), max_length=16)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
        self.fields["number"].widget.attrs["placeholder"] = "ITL-2026-000001"
        self.fields["number"].widget.attrs["autocomplete"] = "off"
        self.fields["code"].widget.attrs["autocomplete"] = "off"
