#!/usr/bin/env bash
# A portal web node: gunicorn serving lms.wsgi. Runs as is, in the image or without Docker.
#   PORT (8000), BIND (0.0.0.0:$PORT), WEB_CONCURRENCY (2 * cores + 1), GUNICORN_TIMEOUT (30),
#   FORWARDED_ALLOW_IPS (127.0.0.1: the reverse proxy whose X-Forwarded-* gunicorn believes)
#   MIGRATE=1        run the release step (release.sh: migrations, the JupyterHub client) first: one
#                    node only; with several, run release.sh once (compose's `migrate`, Kubernetes' Job)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
if [[ "${MIGRATE:-0}" == "1" ]]; then
  "$ROOT/docker/bin/release.sh"
fi
CORES="$(nproc 2>/dev/null || echo 1)"
# METRICS_PORT: a second listener, for Prometheus only (never published: lms.observability.metrics).
# PROMETHEUS_MULTIPROC_DIR: where the workers add up their figures, emptied at each start.
METRICS_BIND=()
if [[ -n "${METRICS_PORT:-}" ]]; then METRICS_BIND=(--bind "0.0.0.0:$METRICS_PORT"); fi
if [[ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$BIN/gunicorn" lms.wsgi:application \
  --bind "${BIND:-0.0.0.0:${PORT:-8000}}" "${METRICS_BIND[@]}" \
  --workers "${WEB_CONCURRENCY:-$((2 * CORES + 1))}" \
  --timeout "${GUNICORN_TIMEOUT:-30}" \
  --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
  --access-logfile - --error-logfile - \
  "$@"
