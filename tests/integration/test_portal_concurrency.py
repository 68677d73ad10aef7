"""Enrolment capacity and certificate numbering under real concurrency (PostgreSQL row locks and
unique constraints). They need committed transactions (a transactional database, emptied afterwards), so
on SQLite they are skipped before any database set-up; with REQUIRE_SERVICES=1 they run and fail there."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from courses.models import Certificate, Enrolment
from courses.services import certificate_issue, enrolment_create
from tests.factories import CoursePageFactory, EnrolmentFactory, UserFactory
from tests.services import require_postgres, services_required

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not services_required(),
        reason="needs PostgreSQL: set DATABASE_URL=postgres://…",
    ),
]


def _completed() -> Enrolment:
    return EnrolmentFactory(status=Enrolment.Status.COMPLETED)


@pytest.mark.django_db(transaction=True)
def test_capacity_holds_under_concurrent_enrolment():
    """Ten learners racing for three places on PostgreSQL: exactly three get in, the others are told
    the course is full (the course row lock serialises the count)."""
    require_postgres()
    course = CoursePageFactory(capacity=3)
    users = [UserFactory() for _ in range(10)]
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []
    lock = threading.Lock()

    def enrol(user):
        try:
            barrier.wait()
            enrolment_create(user=user, course=course)
            outcome = "enrolled"
        except ValidationError as error:
            outcome = "full" if "full" in " ".join(error.messages) else repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=enrol, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["enrolled"] * 3 + ["full"] * 7
    assert Enrolment.objects.filter(course=course, status=Enrolment.Status.ACTIVE).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_get_distinct_sequential_numbers():
    """Eight certificates issued at once on PostgreSQL get serials 1..8 with no duplicates."""
    require_postgres()
    enrolments = [_completed() for _ in range(8)]
    barrier = threading.Barrier(len(enrolments))
    errors: list[Exception] = []

    def issue(enrolment):
        try:
            barrier.wait()
            certificate_issue(enrolment=enrolment)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(e,)) for e in enrolments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == list(range(1, 9))
