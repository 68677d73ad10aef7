from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    """Extra fields asked at registration (allauth calls `signup`)."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)

    def signup(self, request, user) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])
