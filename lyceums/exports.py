"""A dashboard's tables as they are exported (CSV, XLSX, the weekly report): translated headers and
rows of plain values, from what `lyceums.dashboards.dashboard_data` returns. Writing the files is
`common.spreadsheets`'s job."""

from __future__ import annotations

from django.utils.translation import gettext as _


def _stat_headers() -> list[str]:
    return [
        _("Learners"),
        _("Active, 7 days"),
        _("Active, 30 days"),
        _("Enrolments"),
        _("Completions"),
        _("Completion rate, %"),
        _("Average exercise score, %"),
        _("At risk"),
        _("Behind schedule"),
        _("Teachers enrolled"),
        _("Teachers completed"),
    ]


def _stat_values(row: dict) -> list:
    return [
        row["learners"],
        row["active_7d"],
        row["active_30d"],
        row["enrolments"],
        row["completions"],
        row["completion_rate"],
        row["avg_score"],
        row["at_risk"],
        row["behind_schedule"],
        row["teachers_enrolled"],
        row["teachers_completed"],
    ]


def dashboard_tables(data: dict) -> dict[str, tuple[list[str], list[list]]]:
    """The dashboard's tables by name (`municipalities` when the data has them, `lyceums`, `tracks`,
    `months`, `plan`), each as header + rows."""
    stat_headers = _stat_headers()
    tables = {}
    if "region_rows" in data:
        tables["municipalities"] = (
            [_("Code"), _("Municipality"), _("Lyceums"), *stat_headers],
            [[row["code"], row["name"], row["lyceums"], *_stat_values(row)] for row in data["region_rows"]],
        )
    tables["lyceums"] = (
        [_("Code"), _("Lyceum"), *stat_headers],
        [[row["code"], row["name"], *_stat_values(row)] for row in data["lyceum_rows"]],
    )
    tables["tracks"] = (
        [_("Track"), _("Enrolments"), _("Completions"), _("Completion rate, %")],
        [
            [row["track"], row["enrolments"], row["completions"], row["completion_rate"]]
            for row in data["track_rows"]
        ],
    )
    tables["months"] = (
        [_("Month"), _("Enrolments"), _("Completions")],
        [[row["month"], row["enrolments"], row["completions"]] for row in data["month_rows"]],
    )
    tables["plan"] = (
        [_("Lyceum"), _("Track"), _("Planned"), _("Actual"), _("Gap"), _("Done, %")],
        [
            [row["lyceum"], row["track"], row["planned"], row["actual"], row["gap"], row["percent"]]
            for row in data["plan_rows"]
        ],
    )
    return tables
