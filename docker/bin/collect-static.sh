#!/usr/bin/env bash
# Collect the static files the way the production settings serve them: hashed names in a manifest and
# gzip/Brotli copies (WhiteNoise's CompressedManifestStaticFilesStorage). Collected with any other
# settings, the manifest is missing and every production page fails. Runs at image build time, so it
# needs no secret and no service: placeholders satisfy the production settings' start-up checks and
# nothing connects to them.
#   STATIC_ROOT (static_collected/ in the project)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
placeholder="collect-static-only-$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(48))')"
DJANGO_SETTINGS_MODULE=lms.settings.production \
  SECRET_KEY="$placeholder" OIDC_RSA_PRIVATE_KEY="$placeholder" \
  DATABASE_URL="sqlite:///unused.sqlite3" REDIS_URL="redis://unused:6379/0" EMAIL_URL="smtp://unused:25" \
  ALLOWED_HOSTS="localhost" \
  "$PYTHON" manage.py collectstatic --no-input -v 0 "$@"
