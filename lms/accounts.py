"""The portal's allauth adapter: every address allauth accepts (sign-up, adding an address) goes through
the same normalisation as the accounts themselves (`lms.models.normalize_email_address`)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from .models import normalize_email_address


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """The normalised address; a look-alike of another address (a non-ASCII letter before the @,
        say) is refused with the reason, as a form error."""
        return super().clean_email(normalize_email_address(email))


def address_verify_on_password_reset(sender, request, user, **kwargs) -> None:
    """Mark the account's address verified when its password is set through an e-mailed link.

    Connected to allauth's `password_reset` signal, for accounts made without sign-up (a roster import,
    say) whose only address is `user.email` and is not verified yet: the reset link (the invitation)
    can only have reached that mailbox, which proves it. Accounts with a verified address or with
    other addresses are left to allauth's own confirmation.

    An external sign-in linked to the account while its address was unproven was linked by whoever
    typed that address at the provider, not necessarily its owner, who proves it only now: the link is
    removed, or its maker would sign into the owner's account from now on (pre-account takeover)."""
    addresses = list(EmailAddress.objects.filter(user=user))
    if any(address.verified or address.email.lower() != user.email.lower() for address in addresses):
        return
    SocialAccount.objects.filter(user=user).delete()
    if addresses:
        EmailAddress.objects.filter(pk__in=[address.pk for address in addresses]).update(
            verified=True, primary=True
        )
    else:
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
