#!/usr/bin/env bash
# A Celery worker. QUEUES chooses what it consumes: `default` (everything but grading), `grading`
# (notebook grading only: scale these separately for deadline peaks) or both, comma-separated.
#   QUEUES (default,grading), CONCURRENCY (number of cores), WORKER_MAX_TASKS (200), LOG_LEVEL (INFO)
# Each process takes one task at a time and acknowledges it when done (CELERY_WORKER_PREFETCH_MULTIPLIER
# 1, CELERY_TASK_ACKS_LATE in the settings): a grading backlog goes to whichever process is free, and a
# task of a process that dies is delivered again. A grading pool process starts its engine (the fork
# server) as it starts, so a replaced one (WORKER_MAX_TASKS) makes no learner wait for it.
# A worker whose queues include `grading` first checks that the grading sandbox isolates student code
# here (grading/worker.py); when it does not and isolation is required (production), the worker leaves
# the grading queue alone, logs why, and /readyz reports it under `grading_isolation`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
# METRICS_PORT: the worker's metrics, served by its main process (lms.observability.metrics), adding up
# its processes' figures in PROMETHEUS_MULTIPROC_DIR (emptied at each start).
if [[ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$BIN/celery" -A lms worker \
  --queues "${QUEUES:-default,grading}" \
  --concurrency "${CONCURRENCY:-$(nproc 2>/dev/null || echo 1)}" \
  --max-tasks-per-child "${WORKER_MAX_TASKS:-200}" \
  --hostname "${QUEUES:-default,grading}@%h" \
  --loglevel "${LOG_LEVEL:-INFO}" \
  "$@"
