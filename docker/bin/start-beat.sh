#!/usr/bin/env bash
# The Celery beat scheduler: exactly one per installation.
#   BEAT_SCHEDULE_FILE (var/celerybeat-schedule), LOG_LEVEL (INFO)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
mkdir -p "$(dirname "${BEAT_SCHEDULE_FILE:-var/celerybeat-schedule}")"
exec "$BIN/celery" -A lms beat --schedule "${BEAT_SCHEDULE_FILE:-var/celerybeat-schedule}" \
  --loglevel "${LOG_LEVEL:-INFO}" "$@"
