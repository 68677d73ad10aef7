"""The school calendar."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def academic_year(today: dt.date | None = None) -> int:
    """The year the current academic year started in (it starts on 1 September)."""
    today = today or timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1
