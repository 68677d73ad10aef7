"""Error pages are pages of the portal: 403 and 404 have the site header, the language switcher and the
ways back (home, catalogue); 500 renders standalone, without touching the database."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.factories import UserFactory, catalog_page

pytestmark = pytest.mark.django_db


def _assert_portal_page(html: str) -> None:
    assert '<nav class="navbar' in html
    assert 'id="language-select"' in html
    assert 'href="/"' in html
    assert f'href="{reverse("courses:catalogue")}"' in html


def test_404_is_a_portal_page(client):
    """An unknown address answers 404 with the portal's header, language switcher and links back."""
    catalog_page()
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    _assert_portal_page(response.content.decode())
    assert "Page not found" in response.content.decode()


def test_403_from_permission_denied_is_a_portal_page(client):
    """A student opening the dashboards gets the 403 page with the reason and the ways back, in the
    chosen language."""
    client.force_login(UserFactory())
    response = client.get(reverse("lyceums:dashboard"), HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 403
    html = response.content.decode()
    _assert_portal_page(html)
    assert "Доступ запрещён" in html


def test_500_renders_without_the_database(django_assert_num_queries):
    """The server-error page renders without a request context or a single query, and links home."""
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert '<nav class="navbar' in html
    assert 'href="/"' in html
