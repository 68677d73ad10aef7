#!/usr/bin/env bash
# A portal web node: gunicorn serving lms.wsgi. Runs as is, in the image or without Docker.
#   PORT (8000), BIND (0.0.0.0:$PORT), WEB_CONCURRENCY (2 * cores + 1), GUNICORN_TIMEOUT (30)
#   MIGRATE=1        apply migrations and register the JupyterHub client first (one node, or a release job)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
if [[ "${MIGRATE:-0}" == "1" ]]; then
  "$PYTHON" manage.py migrate --no-input
  if [[ -n "${JUPYTERHUB_OAUTH_CLIENT_SECRET:-}" ]]; then
    "$PYTHON" manage.py ensure_hub_client
  fi
fi
CORES="$(nproc 2>/dev/null || echo 1)"
exec "$BIN/gunicorn" lms.wsgi:application \
  --bind "${BIND:-0.0.0.0:${PORT:-8000}}" \
  --workers "${WEB_CONCURRENCY:-$((2 * CORES + 1))}" \
  --timeout "${GUNICORN_TIMEOUT:-30}" \
  --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
  --access-logfile - --error-logfile - \
  "$@"
