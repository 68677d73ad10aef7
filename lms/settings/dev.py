"""One-machine development and demo settings."""

from ._local_secrets import local_rsa_key, local_secret
from .base import *  # noqa: F403
from .base import JUPYTERHUB_API_TOKEN, JUPYTERHUB_OAUTH_CLIENT_SECRET, OAUTH2_PROVIDER, VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="") or local_secret(VAR_DIR / "secret_key")
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
# OpenID Connect signing key and the JupyterHub secrets of this checkout, generated once into var/
# (production requires them from the environment).
OAUTH2_PROVIDER = {
    **OAUTH2_PROVIDER,
    "OIDC_RSA_PRIVATE_KEY": OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]
    or local_rsa_key(VAR_DIR / "oidc_rsa_key.pem"),
}
JUPYTERHUB_OAUTH_CLIENT_SECRET = JUPYTERHUB_OAUTH_CLIENT_SECRET or local_secret(
    VAR_DIR / "jupyterhub_oauth_secret"
)
JUPYTERHUB_API_TOKEN = JUPYTERHUB_API_TOKEN or local_secret(
    VAR_DIR / "jupyterhub_api_token", length=32
)  # the hub accepts 64 characters at most
