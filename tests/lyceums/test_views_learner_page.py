"""The learner page has a breadcrumb trail back to the study groups, and "behind schedule" agrees in
number: one learner's badge in the singular, the dashboard count with the plural forms of Russian."""

import datetime as dt

import pytest
from django.urls import reverse

from courses.models import Enrolment
from lyceums.stats import stats_refresh

pytestmark = pytest.mark.django_db


def test_learner_page_breadcrumbs_and_singular_badge(client, network):
    """A teacher's view of a learner behind schedule: breadcrumbs to the groups, «Отстаёт от графика»
    for the learner, and «1 учащийся отстаёт от графика» on the coordinator's dashboard."""
    Enrolment.objects.filter(user=network.student_a).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    client.force_login(network.teacher)
    response = client.get(reverse("lyceums:learner", args=[network.student_a.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert 'class="breadcrumb"' in html
    assert f'href="{reverse("lyceums:groups")}"' in html
    assert "Отстаёт от графика" in html

    stats_refresh()
    client.force_login(network.coord_a)
    response = client.get(reverse("lyceums:region", args=[network.kazan.code]), HTTP_ACCEPT_LANGUAGE="ru")
    assert "1 учащийся отстаёт от графика" in response.content.decode()
