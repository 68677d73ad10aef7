#!/usr/bin/env bash
# The release step, once per deployment before the new web nodes serve: apply the migrations and
# register (or update) the JupyterHub OAuth client when its secret is set. compose runs it as the
# one-shot `migrate` service, Kubernetes as the `lyceum-migrate` Job, start-web.sh with MIGRATE=1.
#   JUPYTERHUB_OAUTH_CLIENT_SECRET   set: register the hub's client (and its redirect URI) too
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
"$PYTHON" manage.py migrate --no-input
if [[ -n "${JUPYTERHUB_OAUTH_CLIENT_SECRET:-}" ]]; then
  "$PYTHON" manage.py ensure_hub_client
fi
