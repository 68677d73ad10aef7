"""A visitor in a real browser switches the language in the header: the course page's own text changes
to its Tatar translation (not only the menus), and switching back brings the original back."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def course_in_two_languages():
    from django.conf import settings

    from tests.factories import CoursePageFactory, page_translation

    course = CoursePageFactory(title="Основы HTML", summary="Первая страница своими руками.")
    page_translation(course, title="HTML нигезләре", summary="Беренче битне үз кулларың белән ясау.")
    return course, settings.LANGUAGE_CODE


def test_language_switcher_changes_the_page_content(live_server, browser_page, course_in_two_languages):
    """Choosing Tatar in the header's switcher shows the Tatar course at its /tt/ address, in a Tatar
    interface; choosing the default language again shows the original course."""
    course, default_language = course_in_two_languages
    page = browser_page
    page.goto(live_server.url + course.url)
    assert page.locator("h1").inner_text().strip() == "Основы HTML"

    page.select_option("#language-select", "tt")
    with page.expect_navigation():
        page.locator("#language-select ~ button[type=submit]").click()
    assert page.url == f"{live_server.url}/tt{course.url}"
    assert page.locator("h1").inner_text().strip() == "HTML нигезләре"
    assert page.locator("html").get_attribute("lang") == "tt"
    assert "Беренче битне үз кулларың белән ясау." in page.content()

    page.select_option("#language-select", default_language)
    with page.expect_navigation():
        page.locator("#language-select ~ button[type=submit]").click()
    assert page.url == f"{live_server.url}{course.url}"
    assert page.locator("h1").inner_text().strip() == "Основы HTML"
    assert page.locator("html").get_attribute("lang") == default_language
