"""The weekly coordinator report and the statistics refresh task."""

from __future__ import annotations

import io

from django.core import mail
from openpyxl import load_workbook

from lyceums.models import LyceumStats
from lyceums.tasks import stats_refresh_task, weekly_reports_task


def test_weekly_report_goes_to_each_coordinator_with_only_their_municipality(network):
    """Each coordinator gets one e-mail with an XLSX of their own municipality's lyceums."""
    assert weekly_reports_task.delay().get() == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {network.coord_a.email, network.coord_b.email}
    name, content, _mime = by_recipient[network.coord_a.email].attachments[0]
    assert name.startswith("kazan-")
    workbook = load_workbook(io.BytesIO(content))
    lyceum_names = [row[1] for row in workbook["lyceums"].iter_rows(min_row=2, values_only=True)]
    assert lyceum_names == ["Kazan IT lyceum"]


def test_refresh_task_rebuilds_summary_rows(network):
    """The beat task rebuilds a lyceum's row from the enrolments."""
    LyceumStats.objects.all().delete()
    assert stats_refresh_task.delay().get() >= 2
    assert LyceumStats.objects.get(lyceum=network.lyceum_a).enrolments == 2
