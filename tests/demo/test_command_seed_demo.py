import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from wagtail.models import Page, Revision

from common.pages import in_default_locale
from courses.models import CoursePage, LessonPage, TrackPage
from demo.accounts import DEMO_ACCOUNTS
from demo.courses import EXERCISE_LESSONS, TRACKS, seed_courses
from grading.models import Exercise
from lyceums.models import Lyceum, StaffAssignment

pytestmark = pytest.mark.django_db

FULL_STUDENT_COURSES = ["intro-web-development", "python-game-development", "smm-basics"]


def test_runs_when_debug_is_on(settings, seeded_demo):
    """DEBUG on is enough; running again on seeded data creates nothing new."""
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "created 0 tracks, 0 courses, 0 lessons" in out.getvalue()


def test_second_run_creates_no_duplicates(seeded_demo):
    """Running the seed again leaves the numbers of pages, revisions, users and addresses unchanged."""
    User = get_user_model()
    before = (
        Page.objects.count(),
        Revision.objects.count(),
        User.objects.count(),
        EmailAddress.objects.count(),
    )
    call_command("seed_demo", "--force", stdout=io.StringIO())
    after = (
        Page.objects.count(),
        Revision.objects.count(),
        User.objects.count(),
        EmailAddress.objects.count(),
    )
    assert after == before
    assert Page.find_problems() == ([], [], [], [], [])


def test_prints_demo_accounts_with_roles(seeded_demo):
    """The output ends with every demo login and its role."""
    for account in DEMO_ACCOUNTS:
        assert account.email in seeded_demo
        assert account.role in seeded_demo


def test_every_track_is_live_with_a_course(seeded_demo):
    """All digital-economy tracks exist, are published and none is empty."""
    assert len(TRACKS) >= 25
    for track in TRACKS:
        page = in_default_locale(TrackPage.objects).get(code=track.code)
        assert page.live
        assert page.title == track.title
        assert page.live_revision is not None
        assert CoursePage.objects.live().child_of(page).exists(), track.code


@pytest.mark.parametrize("slug", FULL_STUDENT_COURSES)
def test_full_courses_have_lessons_quiz_and_practice(seeded_demo, slug):
    """Each fully written student course has 4+ teaching lessons, a quiz whose questions all mark a
    correct answer, and the practice lesson reserved for the notebook exercise."""
    course = in_default_locale(CoursePage.objects.live()).get(slug=slug)
    lessons = LessonPage.objects.live().child_of(course)
    practice = EXERCISE_LESSONS[slug]
    assert lessons.exclude(slug=practice).count() >= 4
    assert lessons.filter(slug=practice).exists()
    quizzes = [block.value for lesson in lessons for block in lesson.body if block.block_type == "quiz"]
    assert quizzes
    for quiz in quizzes:
        for question in quiz["questions"]:
            assert any(choice["correct"] for choice in question["choices"])
            assert question["explanation"]


def test_teachers_course(seeded_demo):
    """The teachers' course is for the teacher audience and has four lessons."""
    course = in_default_locale(CoursePage.objects).get(slug="teaching-programming")
    assert course.audience == CoursePage.Audience.TEACHERS
    assert LessonPage.objects.live().child_of(course).count() == 4


def test_demo_accounts_log_in_with_verified_addresses(seeded_demo, settings):
    """Every demo account has a verified primary address and logs in with the demo password."""
    for account in DEMO_ACCOUNTS:
        user = authenticate(email=account.email, password=settings.DEMO_PASSWORD)
        assert user is not None, account.email
        assert EmailAddress.objects.filter(
            user=user, email=account.email, verified=True, primary=True
        ).exists()


def test_admin_and_editor_roles(seeded_demo):
    """admin@ is a superuser; editor@ may use the Wagtail admin and edit pages through Editors."""
    User = get_user_model()
    admin = User.objects.get(email="admin@example.org")
    editor = User.objects.get(email="editor@example.org")
    assert admin.is_superuser
    assert not editor.is_superuser
    assert editor.has_perm("wagtailadmin.access_admin")
    home = in_default_locale(Page.objects.filter(depth=2)).get()
    assert home.permissions_for_user(editor).can_edit()
    assert not get_user_model().objects.get(email="student@example.org").has_perm("wagtailadmin.access_admin")


def test_seed_courses_alone_is_idempotent(seeded_demo):
    """The course seed reports nothing created when the catalogue is already there."""
    result = seed_courses()
    assert (result.tracks, result.courses, result.lessons) == (0, 0, 0)


def test_loads_exercises_and_network(seeded_demo):
    """One run also places the notebook exercises and builds the lyceum network with the demo staff."""
    assert Exercise.objects.count() >= len(EXERCISE_LESSONS)
    assert Lyceum.objects.values("region").distinct().count() == 45
    assert StaffAssignment.objects.filter(user__email="coordinator@example.org", role="coordinator").exists()
    assert "Notebook exercises…" in seeded_demo
    assert "Lyceum network…" in seeded_demo
