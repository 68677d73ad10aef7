"""The portal's allauth adapter: every address allauth accepts (sign-up, adding an address) goes through
the same normalisation as the accounts themselves (`lms.models.normalize_email_address`)."""

from allauth.account.adapter import DefaultAccountAdapter

from .models import normalize_email_address


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """The normalised address; a look-alike of another address (a non-ASCII letter before the @,
        say) is refused with the reason, as a form error."""
        return super().clean_email(normalize_email_address(email))
