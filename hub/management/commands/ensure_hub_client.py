"""Register (or update) JupyterHub as an OpenID Connect client of the portal."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hub import services


class Command(BaseCommand):
    help = (
        "Create or update the OAuth application JupyterHub logs in with: a confidential client using the "
        "authorization-code grant with PKCE, its redirect URI taken from JUPYTERHUB_OAUTH_REDIRECT_URI."
    )

    def handle(self, *args, **options) -> None:
        client_id = settings.JUPYTERHUB_OAUTH_CLIENT_ID
        secret = settings.JUPYTERHUB_OAUTH_CLIENT_SECRET
        redirect_uri = settings.JUPYTERHUB_OAUTH_REDIRECT_URI
        if not secret:
            raise CommandError("JUPYTERHUB_OAUTH_CLIENT_SECRET must be set.")
        _app, created = services.hub_oauth_client_ensure(
            client_id=client_id, client_secret=secret, redirect_uri=redirect_uri
        )
        verb = "Registered" if created else "Updated"
        self.stdout.write(f"{verb} the JupyterHub OAuth client {client_id!r} → {redirect_uri}")
