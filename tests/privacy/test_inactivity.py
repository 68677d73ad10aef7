"""Inactive accounts: a warning e-mail, then anonymisation by the beat task; whoever comes back is kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from lms.celery import app
from privacy.models import Anonymisation, InactivityWarning
from privacy.services import inactive_accounts_sweep
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _person(email: str, *, days_ago: int, **extra):
    seen = timezone.now() - dt.timedelta(days=days_ago)
    return UserFactory(email=email, date_joined=seen - dt.timedelta(days=10), last_login=seen, **extra)


def test_warns_then_anonymises_and_keeps_who_came_back(settings):
    """With a 1095-day period and 30 days' warning: someone last seen 1080 days ago is warned once
    (a second run the same day sends nothing); 31 days later they are anonymised, unless they logged
    in after the warning. Recent users and superusers are left alone."""
    settings.PERSONAL_DATA_INACTIVE_DAYS = 1095
    settings.PERSONAL_DATA_WARNING_DAYS = 30
    now = timezone.now()
    gone = _person("gone@test.org", days_ago=1080)
    back = _person("back@test.org", days_ago=1080)
    recent = _person("recent@test.org", days_ago=100)
    root = _person("root@test.org", days_ago=2000, is_superuser=True)

    assert inactive_accounts_sweep(now=now) == {"warned": 2, "anonymised": 0, "kept": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["back@test.org", "gone@test.org"]
    assert settings.SITE_URL in mail.outbox[0].body
    assert inactive_accounts_sweep(now=now) == {"warned": 0, "anonymised": 0, "kept": 0}
    assert len(mail.outbox) == 2

    back.last_login = now + dt.timedelta(days=1)
    back.save()
    later = now + dt.timedelta(days=31)
    assert inactive_accounts_sweep(now=later) == {"warned": 0, "anonymised": 1, "kept": 1}
    gone.refresh_from_db()
    assert Anonymisation.objects.get(user=gone).reason == "inactivity"
    assert gone.email.endswith("@anonymised.invalid")
    assert not gone.is_active
    back.refresh_from_db()
    assert back.is_active
    assert back.email == "back@test.org"
    assert not InactivityWarning.objects.filter(user=back).exists()
    for person in (recent, root):
        person.refresh_from_db()
        assert person.is_active
        assert not hasattr(person, "anonymisation")
    assert inactive_accounts_sweep(now=later) == {"warned": 0, "anonymised": 0, "kept": 0}


def test_not_anonymised_before_the_warning_time_is_over(settings):
    """Someone already past the whole period is warned first and anonymised only once the warning
    time has passed."""
    settings.PERSONAL_DATA_INACTIVE_DAYS = 1095
    settings.PERSONAL_DATA_WARNING_DAYS = 30
    now = timezone.now()
    person = _person("old@test.org", days_ago=1500)
    assert inactive_accounts_sweep(now=now)["warned"] == 1
    assert inactive_accounts_sweep(now=now + dt.timedelta(days=29))["anonymised"] == 0
    assert inactive_accounts_sweep(now=now + dt.timedelta(days=30))["anonymised"] == 1
    person.refresh_from_db()
    assert not person.is_active


def test_beat_runs_the_sweep_daily_on_the_default_queue():
    """The schedule names the registered task; it is routed to `default`."""
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "privacy.inactive_accounts_sweep"
    ]
    assert len(entries) == 1
    app.loader.import_default_modules()  # the worker's autodiscovery of the apps' tasks modules
    assert "privacy.inactive_accounts_sweep" in app.tasks
    assert app.amqp.router.route({}, "privacy.inactive_accounts_sweep")["queue"].name == "default"
