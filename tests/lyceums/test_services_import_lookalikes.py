"""Roster import and look-alike addresses: a row whose e-mail is a look-alike of another address
(`admın@…`, dotless ı, for `admin@…`) is an error of that row, never a second account that would make
the real person's log-in match two accounts."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from lyceums.models import ImportJob
from lyceums.services import import_job_create

User = get_user_model()
HEADER = "ФИО;Эл. почта;Год рождения;Код лицея;Группа;Роль\n"


def _preview(network, *rows: str) -> ImportJob:
    text = (HEADER + "\n".join(rows) + "\n").replace("{A}", network.lyceum_a.code)
    return import_job_create(user=network.admin, data=text.encode(), filename="roster.csv")


@pytest.mark.parametrize("address", ["adm\u0131n@test.org", "аdmin@test.org"])
def test_a_lookalike_of_an_existing_address_is_a_row_error(network, address):
    """`admın@test.org` (dotless ı) or `аdmin@test.org` (Cyrillic а) while `admin@test.org` exists: the
    e-mail cell of that row is refused with a message naming the problem; the job cannot be imported
    and no account is created."""
    before = User.objects.count()
    job = _preview(network, f"Самозванец;{address};2010;{{A}};10-А;ученик")
    assert job.status == ImportJob.Status.INVALID
    assert [(error["row"], error["column"]) for error in job.errors] == [(2, "email")]
    assert "Latin letters" in job.errors[0]["message"]
    assert User.objects.count() == before
    assert User.objects.get_by_natural_key("admin@test.org") == network.admin


def test_compatibility_forms_are_folded_into_the_address_they_stand_for(network):
    """`ſtudent@…` (long s) and surrounding spaces are the same person as `student@…`: the second row
    is a duplicate of the first."""
    job = _preview(
        network,
        "Ученик Один;student-x@test.org;2010;{A};10-А;ученик",
        "Ученик Два; \u017ftudent-X@Test.org ;2010;{A};10-А;ученик",
    )
    assert [(error["row"], error["column"]) for error in job.errors] == [(3, "email")]
    assert "Duplicate" in job.errors[0]["message"]
