"""Tatar pages show dates as Russian ones do (14.01.2027), not in the American order Django falls back
to for a locale without formats."""

import datetime as dt

from django.utils import formats, translation


def test_tatar_short_date_is_day_month_year():
    """SHORT_DATE_FORMAT in Tatar is d.m.Y, and Tatar date input accepts the same order."""
    with translation.override("tt"):
        assert formats.date_format(dt.date(2027, 1, 14), "SHORT_DATE_FORMAT") == "14.01.2027"
        assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%d.%m.%Y"
