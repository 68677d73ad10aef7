"""Register (or update) JupyterHub as an OpenID Connect client of the portal."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from oauth2_provider.models import get_application_model


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
        Application = get_application_model()
        app, created = Application.objects.get_or_create(
            client_id=client_id,
            defaults={
                "name": "JupyterHub",
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            },
        )
        app.name = "JupyterHub"
        app.client_type = Application.CLIENT_CONFIDENTIAL
        app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        app.redirect_uris = redirect_uri
        app.post_logout_redirect_uris = ""
        app.algorithm = Application.RS256_ALGORITHM
        # The hub is part of the platform: no consent screen between the portal and the hub.
        app.skip_authorization = True
        app.client_secret = secret  # hashed on save
        app.full_clean()
        app.save()
        verb = "Registered" if created else "Updated"
        self.stdout.write(f"{verb} the JupyterHub OAuth client {client_id!r} → {redirect_uri}")
