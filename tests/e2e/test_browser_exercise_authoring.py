"""An editor authors an exercise in the Wagtail admin in a real browser: the form runs without script
errors, takes the notebook, the rules and a data file, and the exercise is listed after saving."""

import pytest
from allauth.account.models import EmailAddress

from demo.accounts import ensure_editors_group
from grading.models import Exercise
from tests.factories import UserFactory, demo_notebook

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kazan-editor-2026"


@pytest.fixture
def editor():
    """A member of the demo's Editors group with a verified address, neither staff nor superuser."""
    user = UserFactory(email="editor@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    user.groups.add(ensure_editors_group())
    return user


def test_editor_creates_an_exercise(live_server, browser_page, editor, settings):
    """From the Exercises menu an editor opens the form, uploads the instructor notebook, adds a data
    file, sets the deadline, attempts and visibility and saves; no admin page raised a script error."""
    settings.WAGTAIL_GRAVATAR_PROVIDER_URL = None  # the admin's avatars would be fetched from gravatar.com
    page = browser_page
    page.goto(live_server.url + "/admin/")  # sent to the portal's log-in page and back
    page.locator("#id_login").fill(editor.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    errors = []  # in the admin's pages
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.get_by_role("link", name="Exercises").click()
    page.get_by_role("link", name="Add exercise").click()

    page.locator("#id_title").fill("Sales report")
    page.locator("#id_slug").fill("sales-report")
    notebook = {"name": "sales.ipynb", "mimeType": "application/json", "buffer": demo_notebook()}
    page.locator("#id_instructor_notebook").set_input_files(notebook)
    page.get_by_role("button", name="Add data file").click()
    data_file = {"name": "sales.csv", "mimeType": "text/csv", "buffer": b"month,total\n1,10\n"}
    page.locator("#id_data_files-0-file").set_input_files(data_file)
    deadline, picker = page.locator("#id_deadline"), page.locator(".xdsoft_datetimepicker")
    deadline.fill("2026-12-01 18:00")
    picker.wait_for()  # the date picker opens on focus and closes on Tab
    deadline.press("Tab")
    picker.wait_for(state="hidden")
    page.locator("#id_max_attempts").fill("3")
    page.locator("#id_test_visibility").select_option("after_deadline")
    assert errors == [], errors
    page.get_by_role("button", name="Save").click(timeout=90_000)  # nbgrader releases the notebook

    page.get_by_role("link", name="Sales report").wait_for()
    assert errors == [], errors

    exercise = Exercise.objects.get(slug="sales-report")
    assert (exercise.max_attempts, exercise.test_visibility) == (3, "after_deadline")
    assert exercise.deadline is not None
    assert exercise.is_ready
    assert list(exercise.data_files.values_list("name", flat=True)) == ["sales.csv"]
