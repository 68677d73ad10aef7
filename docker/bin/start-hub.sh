#!/usr/bin/env bash
# Start JupyterHub with the platform's one configuration (docker/jupyterhub/jupyterhub_config.py).
# Runs the same with or without Docker. Environment: see docs/hub.md; JUPYTERHUB_CONFIG names another
# configuration file. JUPYTERHUB_OAUTH_CLIENT_SECRET and JUPYTERHUB_API_TOKEN, when unset, are read from
# var/ where the development settings keep them (one machine).
# HUB_REGISTER_CLIENT=1 first registers the hub as an OAuth client of the portal (one-machine demo,
# where the portal's database is local); on several machines the portal's release step does that.
set -euo pipefail
DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-lms.settings.dev}"
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"

if [[ "${HUB_REGISTER_CLIENT:-0}" == "1" ]]; then
  "$PYTHON" manage.py ensure_hub_client
fi
# One machine: the portal's development settings keep the shared secrets in var/.
if [[ -z "${JUPYTERHUB_OAUTH_CLIENT_SECRET:-}" && -f var/jupyterhub_oauth_secret ]]; then
  JUPYTERHUB_OAUTH_CLIENT_SECRET="$(cat var/jupyterhub_oauth_secret)"
  export JUPYTERHUB_OAUTH_CLIENT_SECRET
fi
if [[ -z "${JUPYTERHUB_API_TOKEN:-}" && -f var/jupyterhub_api_token ]]; then
  JUPYTERHUB_API_TOKEN="$(cat var/jupyterhub_api_token)"
  export JUPYTERHUB_API_TOKEN
fi
JUPYTERHUB="$BIN/jupyterhub"
[[ -x "$JUPYTERHUB" ]] || JUPYTERHUB="$(command -v jupyterhub)"
exec "$JUPYTERHUB" -f "${JUPYTERHUB_CONFIG:-$ROOT/docker/jupyterhub/jupyterhub_config.py}" "$@"
