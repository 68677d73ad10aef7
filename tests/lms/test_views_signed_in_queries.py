"""What a signed-in page costs the database once its user has opened one page before: the session comes
from the cache, the menu's role checks and the editor-bar permission are remembered per user, the page
an address leads to is remembered (lms.page_routes), so are facts about published pages
(lms.page_memo), and re-reading a lesson records no visit. Budgets
for the pages a deadline evening is made of: a lesson, My learning and a coordinator's dashboard."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Site

from lms import page_cache
from lyceums.models import Region, StaffAssignment
from tests.factories import (
    CoursePageFactory,
    EnrolmentFactory,
    LessonPageFactory,
    StaffAssignmentFactory,
    StudyGroupFactory,
    UserFactory,
    paragraph_block,
    quiz_block,
)

pytestmark = pytest.mark.django_db

QUIZ = [{"question": "2 + 2?", "choices": [("4", True), ("5", False)], "explanation": "Arithmetic."}]


@pytest.fixture
def lesson(client):
    """A course of three lessons (the middle one with a quiz) and a learner enrolled in it, signed in."""
    course = CoursePageFactory(title="Web basics")
    LessonPageFactory(parent=course, title="Intro", body=[paragraph_block("<p>Welcome</p>")])
    lesson = LessonPageFactory(
        parent=course, title="Quiz time", body=[quiz_block(quiz_id="q", questions=QUIZ)]
    )
    LessonPageFactory(parent=course, title="Wrap-up")
    learner = UserFactory()
    EnrolmentFactory(user=learner, course=course)
    client.force_login(learner)
    return lesson


def test_lesson_query_budget(client, lesson, django_assert_max_num_queries):
    """A lesson read again costs at most 5 queries (a plain lesson cost 33): no session, routing, menu
    or visit queries, and its course, lesson list, restrictions and translations remembered
    (lms.page_memo): only the user, the page, the enrolment and the learner's progress and quiz
    attempts."""
    assert client.get(lesson.url).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(lesson.url).status_code == 200


def test_rereading_an_unfinished_lesson_writes_nothing(client, lesson):
    """A lesson whose quiz is not answered yet is not complete: reading it again within a minute still
    writes nothing (the visit was recorded at the first reading)."""
    client.get(lesson.url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(lesson.url).status_code == 200
    assert not [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_my_learning_query_budget(client, lesson, django_assert_max_num_queries):
    """My learning opened again costs at most 3 queries (it cost 13): the user, the enrolments and the
    learner's progress (the courses' lessons, the catalogue page and the site are remembered)."""
    url = reverse("courses:my_learning")
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200


def test_coordinator_dashboard_query_budget(client, django_assert_max_num_queries):
    """A coordinator's municipality dashboard opened again costs at most 5 queries (the session, the
    menu's role checks and the editor-bar permission cost as many again)."""
    coordinator = UserFactory()
    kazan = Region.objects.get(code="kazan")
    StaffAssignmentFactory(user=coordinator, role=StaffAssignment.Role.COORDINATOR, region=kazan)
    client.force_login(coordinator)
    url = reverse("lyceums:region", kwargs={"code": kazan.code})
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200


def test_editor_bar_follows_a_new_group_at_once(client, lesson):
    """The remembered menu is forgotten when the user's groups change: made an editor, the learner sees
    Wagtail's editor bar on the next page."""
    learner = UserFactory()
    client.force_login(learner)
    assert "wagtail-userbar" not in client.get("/").content.decode()
    editors, _ = Group.objects.get_or_create(name="Page editors for the test")
    editors.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    learner.groups.add(editors)
    assert "wagtail-userbar" in client.get("/").content.decode()


def test_menu_follows_a_staff_role_at_once(client):
    """A staff assignment given, then taken away, shows in the remembered menu on the next page."""
    coordinator = UserFactory()
    client.force_login(coordinator)
    dashboards = reverse("lyceums:dashboard")
    assert f'href="{dashboards}"' not in client.get(reverse("courses:my_learning")).content.decode()
    assignment = StaffAssignmentFactory(
        user=coordinator, role=StaffAssignment.Role.COORDINATOR, region=Region.objects.get(code="kazan")
    )
    assert f'href="{dashboards}"' in client.get(reverse("courses:my_learning")).content.decode()
    assignment.delete()
    assert f'href="{dashboards}"' not in client.get(reverse("courses:my_learning")).content.decode()


def test_menu_follows_teaching_a_group_and_group_permissions_at_once(client):
    """Becoming a group's teacher (from either side, cleared from the group's side too) and a group's
    permissions changing reach the remembered menu at once."""
    teacher = UserFactory()
    client.force_login(teacher)
    groups_page = reverse("lyceums:groups")
    my_learning = reverse("courses:my_learning")

    def shows_groups() -> bool:
        return f'href="{groups_page}"' in client.get(my_learning).content.decode()

    assert not shows_groups()
    group = StudyGroupFactory()
    group.teachers.add(teacher)
    assert shows_groups()
    group.teachers.clear()
    assert not shows_groups()
    teacher.taught_groups.add(group)
    assert shows_groups()

    editors, _ = Group.objects.get_or_create(name="Editors for the menu test")
    teacher.groups.add(editors)
    assert "wagtail-userbar" not in client.get("/").content.decode()
    editors.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    assert "wagtail-userbar" in client.get("/").content.decode()
    editors.permissions.clear()
    assert "wagtail-userbar" not in client.get("/").content.decode()


def test_unpublished_page_is_not_served_from_a_remembered_route(client, lesson):
    """A page taken offline without any signal (a direct update) is not served from its remembered
    route: the lesson answers 404."""
    assert client.get(lesson.url).status_code == 200
    type(lesson).objects.filter(pk=lesson.pk).update(live=False)
    assert client.get(lesson.url).status_code == 404


def test_renamed_page_is_routed_afresh(client, lesson, django_capture_on_commit_callbacks):
    """A page given another address answers at its new one, and its old one no longer serves it (it
    redirects there, as Wagtail's redirects do for a changed slug)."""
    old_url = lesson.url
    assert client.get(old_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        lesson.slug = "renamed"
        lesson.save_revision().publish()
    lesson.refresh_from_db()
    assert lesson.url != old_url
    old = client.get(old_url)
    assert old.status_code == 301
    assert old["Location"].endswith(lesson.url)
    assert client.get(lesson.url).status_code == 200


def test_site_change_forgets_routes(django_capture_on_commit_callbacks):
    """Saving a site (its host name, its root page) starts a new generation of remembered routes."""
    generation = page_cache.page_cache_generation()
    with django_capture_on_commit_callbacks(execute=True):
        Site.objects.get(is_default_site=True).save()
    assert page_cache.page_cache_generation() != generation
