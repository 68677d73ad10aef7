"""Loading the production settings in a fresh process, with a complete environment that each test may
amend (an empty value counts as unset)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass

from django.conf import settings

# Variables of the surrounding environment that could change what the production settings decide.
_ISOLATED_PREFIXES = (
    "DJANGO_",
    "DATABASE_",
    "EMAIL_",
    "REDIS_",
    "CELERY_",
    "SECURE_",
    "TRUSTED_",
    "GRADING_",
    "EXTERNAL_OIDC_",
)


def production_env(**overrides: str) -> dict[str, str]:
    """Everything the production settings require, with *overrides* applied."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(_ISOLATED_PREFIXES)}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgres://lyceum@127.0.0.1:1/lyceum",
        "ALLOWED_HOSTS": "portal.example",
        "OIDC_RSA_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nnot-used\n-----END PRIVATE KEY-----",
        "EMAIL_URL": "smtp+tls://portal:secret@mail.example:587",
        "REDIS_URL": "redis://redis.example:6379/0",
        **overrides,
    }


@dataclass
class Loaded:
    returncode: int
    stderr: str
    values: dict


def production_settings(*names: str, **env: str) -> Loaded:
    """Load the production settings with *env* and read the settings *names* (None when unset)."""
    code = (
        "import json, sys; from django.conf import settings; "
        "print(json.dumps({n: getattr(settings, n, None) for n in sys.argv[1:]}, default=str))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *names],
        env=production_env(**env),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    values = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {}
    return Loaded(returncode=done.returncode, stderr=done.stderr, values=values)
