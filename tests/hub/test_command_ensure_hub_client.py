"""`manage.py ensure_hub_client` registers JupyterHub as the portal's OAuth client."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from oauth2_provider.models import get_application_model

pytestmark = pytest.mark.django_db


def test_ensure_hub_client_registers_a_confidential_pkce_client_and_updates_it(settings):
    """The command creates one confidential authorization-code client with the configured redirect URI and
    updates it in place when run again."""
    settings.JUPYTERHUB_OAUTH_CLIENT_SECRET = "first-secret"
    settings.JUPYTERHUB_OAUTH_REDIRECT_URI = "https://hub.example/hub/oauth_callback"
    call_command("ensure_hub_client", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.JUPYTERHUB_OAUTH_REDIRECT_URI = "https://hub2.example/hub/oauth_callback"
    call_command("ensure_hub_client", stdout=open("/dev/null", "w"))  # noqa: SIM115
    Application = get_application_model()
    app = Application.objects.get(client_id=settings.JUPYTERHUB_OAUTH_CLIENT_ID)
    assert Application.objects.count() == 1
    assert app.client_type == Application.CLIENT_CONFIDENTIAL
    assert app.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert app.redirect_uris == "https://hub2.example/hub/oauth_callback"
    assert app.algorithm == Application.RS256_ALGORITHM
    assert app.client_secret != "first-secret"  # stored hashed


def test_ensure_hub_client_refuses_to_run_without_a_secret(settings):
    """Without JUPYTERHUB_OAUTH_CLIENT_SECRET the command stops with an error and registers nothing."""
    settings.JUPYTERHUB_OAUTH_CLIENT_SECRET = ""
    with pytest.raises(CommandError, match="JUPYTERHUB_OAUTH_CLIENT_SECRET"):
        call_command("ensure_hub_client", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not get_application_model().objects.exists()
