"""`--database-tests-only` (CI's SQLite pass, tests/conftest.py) keeps exactly the tests that reach the
database: by a `django_db` mark, by a database fixture, or through a fixture that uses one."""

import pytest

from tests.conftest import uses_database


@pytest.fixture
def learner(db, django_user_model):
    return django_user_model.objects.create_user("learner@example.org", "pw")


def test_a_test_without_the_database_is_left_to_the_other_pass(request):
    """A test with no mark and no database fixture gives the same answer on any database."""
    assert not uses_database(request.node)


@pytest.mark.django_db
def test_a_marked_test_uses_the_database(request):
    """A `django_db` mark makes a database test."""
    assert uses_database(request.node)


def test_a_fixture_that_reaches_the_database_makes_a_database_test(request, learner):
    """A fixture of the test that needs the `db` fixture makes a database test."""
    assert uses_database(request.node)


def test_the_live_server_makes_a_database_test(request, live_server):
    """Pages served by the live server read the database."""
    assert uses_database(request.node)
