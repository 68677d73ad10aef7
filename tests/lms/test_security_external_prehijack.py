"""An account made through an external provider with an address the provider did not vouch for, then
recovered by the address's owner through a password-reset link, loses that external sign-in: whoever
typed the owner's address at the provider cannot sign into the owner's account afterwards."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://testserver(/accounts/password/reset/key/\S+)")


def test_password_reset_by_the_owner_removes_an_external_link_made_before(client):
    victim = "parent@example.org"
    account = get_user_model().objects.create_user(victim, None, full_name="Кто-то")
    EmailAddress.objects.create(user=account, email=victim, verified=False, primary=True)
    SocialAccount.objects.create(user=account, provider="external", uid="attacker-subject")

    client.post("/accounts/password/reset/", {"email": victim})
    link = LINK.search(mail.outbox[-1].body).group(1)
    form_page = client.get(link, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(action, {"password1": "Owner-pass-2027!", "password2": "Owner-pass-2027!"})
    assert done.status_code == 302

    assert EmailAddress.objects.get(user=account).verified
    assert not SocialAccount.objects.filter(user=account).exists()
