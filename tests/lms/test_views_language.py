import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"),
    [("ru", "Направления подготовки"), ("tt", "Әзерлек юнәлешләре"), ("en", "Training areas")],
)
def test_language_switcher_changes_page_language(client, language, heading):
    """Choosing a language in the switcher sets <html lang> and translates the interface."""
    response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert re.search(r'<html lang="([\w-]+)"', html).group(1) == language
    assert heading in html


def test_account_pages_are_translated(client):
    """The login page speaks Tatar once Tatar is chosen."""
    client.post("/i18n/setlang/", {"language": "tt", "next": "/"})
    html = client.get("/accounts/login/").content.decode()
    assert "Хисап язмагыз юкмы?" in html
    assert "Эчтәлеккә күчү" in html


def test_default_language_is_russian(settings, client):
    """With the default LANGUAGE_CODE and no preference sent, pages are in Russian."""
    settings.LANGUAGE_CODE = "ru"
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="").content.decode()
    assert '<html lang="ru">' in html
    assert "Направления подготовки" in html
