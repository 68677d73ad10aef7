"""Every portal page carries a content security policy that allows no inline code and no foreign
scripts; the admin interfaces (which need their own inline code) are left out."""

import pytest

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_portal_pages_allow_only_their_own_scripts_and_styles(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    policy = _directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert "https://www.youtube.com" in policy["frame-src"]
    assert "http://127.0.0.1:8001" in policy["form-action"]  # logging in to the hub ends there
    html = response.content.decode()
    assert 'style="' not in html
    assert "<script>" not in html


def test_admin_is_left_to_its_own_policy(client, django_user_model):
    """The Wagtail admin's pages carry no portal content security policy."""
    client.force_login(django_user_model.objects.create_superuser("admin@example.org", "x" * 20))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
