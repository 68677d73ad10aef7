import datetime

from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .consent import Policy, consent_give, needs_guardian, policy_current
from .models import User, normalize_email_address


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class ConsentFieldsMixin:
    """The fields of a consent to processing: the birth date (when it is not known yet), the parent's or
    guardian's address (required under 14) and the checkbox with the link to the policy."""

    policy: Policy | None

    def consent_fields_add(self, *, ask_birth_date: bool, guardian_email: str = "") -> None:
        if ask_birth_date:
            self.fields["birth_date"] = forms.DateField(
                label=_("Birth date"),
                widget=_DateInput(),
                help_text=_("A learner under 14 can study once a parent or guardian agrees by e-mail."),
            )
        self.fields["guardian_email"] = forms.EmailField(
            label=_("Parent's or guardian's e-mail address"),
            required=False,
            initial=guardian_email,
            help_text=_("Needed when you are under 14: we will ask your parent or guardian to agree."),
        )
        if self.policy is not None:
            self.fields["consent"] = forms.BooleanField(
                label=format_html(
                    gettext(
                        'I agree to the processing of my personal data under the <a href="{url}" '
                        'target="_blank" rel="noopener">personal data policy</a> (version {version}).'
                    ),
                    url=self.policy.url,
                    version=self.policy.version,
                ),
                error_messages={"required": _("Registration needs your consent to the processing of data.")},
            )

    def clean_birth_date(self) -> datetime.date:
        value = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if value > today or value.year < today.year - 100:
            raise forms.ValidationError(_("Enter your real birth date."))
        return value

    def clean_guardian_email(self) -> str:
        try:
            return normalize_email_address(self.cleaned_data["guardian_email"])
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages) from None

    def consent_clean(self, cleaned_data: dict, *, user: User | None = None) -> None:
        """Under 14 (by the date given, or the account's own), a parent's address other than the
        learner's own is required."""
        probe = User(birth_date=cleaned_data.get("birth_date") or getattr(user, "birth_date", None))
        if user is not None and probe.birth_date is None:
            probe.birth_year = user.birth_year
        if not needs_guardian(probe):
            return
        guardian = cleaned_data.get("guardian_email")
        own = cleaned_data.get("email") or getattr(user, "email", "")
        if not guardian:
            self.add_error(
                "guardian_email",
                _("You are under 14: give the e-mail address of a parent or guardian, who will confirm."),
            )
        elif own and guardian.lower() == own.lower():
            self.add_error("guardian_email", _("Give your parent's or guardian's address, not your own."))


class SignupForm(ConsentFieldsMixin, forms.Form):
    """Extra fields asked at registration (allauth calls `signup`): the full name, the birth date, the
    parent's address under 14 and the consent to the current personal-data policy."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy_current()
        self.consent_fields_add(ask_birth_date=True)

    def clean(self):
        cleaned_data = super().clean()
        self.consent_clean(cleaned_data)
        return cleaned_data

    def signup(self, request, user) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.birth_date = self.cleaned_data["birth_date"]
        user.birth_year = user.birth_date.year
        guardian = self.cleaned_data.get("guardian_email", "") if needs_guardian(user) else ""
        user.guardian_email = guardian
        user.save(update_fields=["full_name", "birth_date", "birth_year", "guardian_email"])
        if self.policy is not None:
            consent_give(request=request, user=user, policy=self.policy)


class ConsentForm(ConsentFieldsMixin, forms.Form):
    """The consent asked at log-in: of an account made by an import, or after the policy changed."""

    def __init__(self, *args, user: User, policy: Policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.policy = user, policy
        self.consent_fields_add(ask_birth_date=user.birth_date is None, guardian_email=user.guardian_email)

    def clean_birth_date(self) -> datetime.date:
        """A date contradicting the birth year a school roster gave is refused: otherwise a learner
        under 14 could make themselves older and study without a parent's consent."""
        value = super().clean_birth_date()
        if self.user.birth_year is not None and value.year != self.user.birth_year:
            raise forms.ValidationError(_("Enter your real birth date."))
        return value

    def clean(self):
        cleaned_data = super().clean()
        self.consent_clean(cleaned_data, user=self.user)
        return cleaned_data

    def save(self, request) -> None:
        birth_date = self.cleaned_data.get("birth_date")
        probe = User(birth_date=birth_date or self.user.birth_date, birth_year=self.user.birth_year)
        consent_give(
            request=request,
            user=self.user,
            policy=self.policy,
            birth_date=birth_date,
            guardian_email=self.cleaned_data.get("guardian_email", "") if needs_guardian(probe) else "",
        )


class GuardianResendForm(forms.Form):
    guardian_email = forms.EmailField(label=_("Parent's or guardian's e-mail address"))

    def clean_guardian_email(self) -> str:
        try:
            return normalize_email_address(self.cleaned_data["guardian_email"])
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages) from None
