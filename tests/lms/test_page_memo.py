"""Facts about published pages remembered per web process and page-cache generation (lms.page_memo):
read once, then without a query; never stale after a publication, a view restriction or a site change;
never shared between two requests' copies; bounded."""

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from wagtail.models import PageViewRestriction, Site

from courses.models import CoursePage
from lms import page_cache, page_memo
from tests.factories import CoursePageFactory, EnrolmentFactory, LessonPageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget():
    page_memo.page_memo_forget()
    yield
    page_memo.page_memo_forget()


@pytest.fixture
def course(client):
    """A course of two lessons and a learner enrolled in it, signed in."""
    course = CoursePageFactory(title="Web basics")
    LessonPageFactory(parent=course, title="Intro")
    LessonPageFactory(parent=course, title="Forms")
    learner = UserFactory()
    EnrolmentFactory(user=learner, course=course)
    client.force_login(learner)
    return course


def _request():
    request = RequestFactory().get("/")
    request.page_cache_generation = page_cache.page_cache_generation()
    return request


def test_a_fact_is_computed_once_per_generation():
    calls = []

    def compute():
        calls.append(1)
        return ("value",)

    assert page_memo.page_memo(_request(), "test", 1, compute) == ("value",)
    assert page_memo.page_memo(_request(), "test", 1, compute) == ("value",)
    assert len(calls) == 1
    page_cache._next_generation()
    assert page_memo.page_memo(_request(), "test", 1, compute) == ("value",)
    assert len(calls) == 2


def test_without_a_request_nothing_is_remembered():
    calls = []
    for _ in range(2):
        page_memo.page_memo(None, "test", 1, lambda: calls.append(1))
    assert len(calls) == 2


def test_each_caller_gets_its_own_copy_of_a_page():
    """An attribute set on a remembered page for one request is not seen by the next one."""
    course = CoursePageFactory()
    first = page_memo.page_memo_copy(
        _request(), "course", course.pk, lambda: CoursePage.objects.get(pk=course.pk)
    )
    first.is_done = True
    second = page_memo.page_memo_copy(_request(), "course", course.pk, lambda: None)
    assert second.pk == course.pk
    assert not hasattr(second, "is_done")


def test_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(page_memo, "MEMO_ENTRIES", 3)
    request = _request()
    for key in range(10):
        page_memo.page_memo(request, "test", key, lambda key=key: key)
    assert len(page_memo._entries) == 3
    calls = []
    page_memo.page_memo(request, "test", 0, lambda: calls.append(1))  # the oldest went first
    assert calls == [1]


def test_purge_starts_a_generation_at_once_and_again_on_commit(django_capture_on_commit_callbacks):
    """Inside the publishing transaction the change is already seen by that transaction's own requests;
    what others rendered meanwhile (from the old data) is forgotten once it commits (one new generation
    then, however many pages the transaction changed)."""
    start = page_cache.page_cache_generation()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page_cache.page_cache_purge()
        during = page_cache.page_cache_generation()
        assert during != start
        page_cache.page_cache_purge()
        assert page_cache.page_cache_generation() != during
        during = page_cache.page_cache_generation()
    assert len(callbacks) == 1
    assert page_cache.page_cache_generation() not in (start, during)


def test_a_fact_is_computed_again_after_its_time(monkeypatch):
    """A backstop for a generation that could not be replaced (the cache failed at a commit)."""
    monkeypatch.setattr(page_memo, "MEMO_SECONDS", 0)
    calls = []
    for _ in range(2):
        page_memo.page_memo(_request(), "test", 1, lambda: calls.append(1))
    assert len(calls) == 2


def test_a_remembered_page_shares_no_related_objects():
    """The copy kept, and each copy handed out, has no cached parent or related instances of another
    request's."""
    course = CoursePageFactory()
    loaded = CoursePage.objects.select_related("locale").get(pk=course.pk)
    loaded._cached_parent_obj = object()
    first = page_memo.page_memo_copy(_request(), "course", course.pk, lambda: loaded)
    assert "_cached_parent_obj" not in first.__dict__
    assert first._state.fields_cache == {}
    first.locale  # noqa: B018 - loads the relation into this copy only
    second = page_memo.page_memo_copy(_request(), "course", course.pk, lambda: None)
    assert second._state.fields_cache == {}


def test_renamed_lesson_shows_at_once(client, course, django_capture_on_commit_callbacks):
    lesson = course.get_children().first().specific
    assert "Intro" in client.get(lesson.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        lesson.title = "Welcome"
        lesson.save_revision().publish()
    page = client.get(lesson.url).content.decode()
    assert "Welcome" in page
    assert "Intro" not in page


def test_lesson_added_live_without_publishing_shows_at_once(
    client, course, django_capture_on_commit_callbacks
):
    """A page saved live without a publication (an alias Wagtail makes for a translation, a page added
    in code) changes the tree as a publication does."""
    lesson = course.get_children().first().specific
    assert "Tables" not in client.get(lesson.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        added = LessonPageFactory(parent=course, title="Tables")  # add_child, live: no page_published
    page = client.get(lesson.url).content.decode()
    assert "Tables" in page
    assert added.url in page


def test_unpublished_lesson_leaves_the_list_at_once(client, course, django_capture_on_commit_callbacks):
    first, second = (page.specific for page in course.get_children())
    assert second.url in client.get(first.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        second.unpublish()
    assert second.url not in client.get(first.url).content.decode()


def test_view_restriction_added_to_a_course_applies_at_once(client, course):
    """Security: a lesson read before its course was restricted to a group is refused to a learner
    outside the group on the next request (the remembered restrictions are forgotten)."""
    lesson = course.get_children().first().specific
    assert client.get(lesson.url).status_code == 200
    restriction = PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.create(name="Closed pilot"))
    refused = client.get(lesson.url)
    assert refused.status_code == 302
    assert "login" in refused["Location"]
    restriction.delete()
    assert client.get(lesson.url).status_code == 200


def test_view_restriction_applies_after_its_commit(client, course, django_capture_on_commit_callbacks):
    """The same through the commit of the change, as an editor's request makes it."""
    lesson = course.get_children().first().specific
    assert client.get(lesson.url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(
            page=course, restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.add(Group.objects.create(name="Closed pilot"))
    assert client.get(lesson.url).status_code == 302


def test_password_restriction_applies_to_a_remembered_lesson(client, course):
    lesson = course.get_children().first().specific
    assert client.get(lesson.url).status_code == 200
    PageViewRestriction.objects.create(
        page=lesson, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    page = client.get(lesson.url).content.decode()
    assert 'name="password"' in page
    assert "Forms" not in page  # the lesson (and its list of the course's lessons) is not shown


def test_site_change_is_seen_by_remembered_sites(rf):
    site = Site.objects.get(is_default_site=True)
    request = rf.get("/", HTTP_HOST=site.hostname)
    assert page_memo.page_memo_site(request).pk == site.pk
    site.site_name = "Renamed"
    site.save()  # a site change purges (at once and on commit)
    request = rf.get("/", HTTP_HOST=site.hostname)
    assert page_memo.page_memo_site(request).site_name == "Renamed"
