"""Prometheus metrics of the JupyterHub integration (served by lms.observability.metrics): how many
anonymised people's hub users are still owed a deletion. The sweeper (`hub.user_deletions_requeue`, every
few minutes) sets the figure, so it is as fresh as its last run."""

from __future__ import annotations

from prometheus_client import Gauge

HUB_USER_DELETIONS_OWED = Gauge(
    "lms_hub_user_deletions_owed",
    "Anonymised people whose JupyterHub user is not deleted yet: waiting for a first attempt, or failing.",
    ["state"],
    multiprocess_mode="mostrecent",
)


def owed_deletions_set(counts: dict[str, int]) -> None:
    """Publish the owed deletions by state (`hub.selectors.owed_hub_user_deletions`)."""
    for state, count in counts.items():
        HUB_USER_DELETIONS_OWED.labels(state=state).set(count)
