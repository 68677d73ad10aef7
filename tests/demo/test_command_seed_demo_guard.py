import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.models import TrackPage

pytestmark = pytest.mark.django_db


def test_refuses_without_debug_or_force(settings):
    """With DEBUG off and no --force the command refuses and writes nothing."""
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not get_user_model().objects.filter(email="student@example.org").exists()
    assert not TrackPage.objects.exists()
