"""Every dashboard, drill-down, export and API URL against every role.

Rules: a municipality addressed by code outside the scope → 403; a lyceum, group or learner addressed
by id outside the scope → 404; pages for roles that have no dashboard → 403; anonymous → log-in redirect
(pages) or 403 (API). The admins' log-in forms send anonymous visitors to the portal's log-in page and
refuse logged-in people (403); the OpenID Connect provider serves only what JupyterHub uses, the same to
every role, and nothing of django-oauth-toolkit's self-service (404).
"""

from __future__ import annotations

import pytest

ROLES = ["admin", "coord_a", "coord_b", "teacher", "student_a", "student_b", "anonymous"]


def expect(codes: str) -> dict[str, int]:
    """Expected statuses, one per role in ROLES order."""
    return dict(zip(ROLES, map(int, codes.split()), strict=True))


# (url builder, expected status per role)
MATRIX = {
    "republic": (
        lambda n: "/network/dashboard/republic/",
        expect("200 403 403 403 403 403 302"),
    ),
    "republic_export_csv": (
        lambda n: "/network/dashboard/republic/export/municipalities.csv",
        expect("200 403 403 403 403 403 302"),
    ),
    "region_kazan": (
        lambda n: "/network/dashboard/regions/kazan/",
        expect("200 200 403 403 403 403 302"),
    ),
    "region_kazan_csv": (
        lambda n: "/network/dashboard/regions/kazan/export/lyceums.csv",
        expect("200 200 403 403 403 403 302"),
    ),
    "region_kazan_xlsx": (
        lambda n: "/network/dashboard/regions/kazan/export/all.xlsx",
        expect("200 200 403 403 403 403 302"),
    ),
    "region_unknown": (
        lambda n: "/network/dashboard/regions/atlantis/",
        expect("404 404 404 404 404 404 302"),
    ),
    "lyceum_a": (
        lambda n: f"/network/dashboard/lyceums/{n.lyceum_a.pk}/",
        expect("200 200 404 404 404 404 302"),
    ),
    "lyceum_a_xlsx": (
        lambda n: f"/network/dashboard/lyceums/{n.lyceum_a.pk}/export/tracks.xlsx",
        expect("200 200 404 404 404 404 302"),
    ),
    "lyceum_guess": (
        lambda n: f"/network/dashboard/lyceums/{n.lyceum_b.pk + 1000}/",
        expect("404 404 404 404 404 404 302"),
    ),
    "group_a": (
        lambda n: f"/network/groups/{n.group_a.pk}/",
        expect("200 200 404 200 404 404 302"),
    ),
    "group_a2_not_taught": (
        lambda n: f"/network/groups/{n.group_a2.pk}/",
        expect("200 200 404 404 404 404 302"),
    ),
    "group_b": (
        lambda n: f"/network/groups/{n.group_b.pk}/",
        expect("200 404 200 404 404 404 302"),
    ),
    "learner_a": (
        lambda n: f"/network/learners/{n.student_a.pk}/",
        expect("200 200 404 200 200 404 302"),
    ),
    "learner_a2_other_group": (
        lambda n: f"/network/learners/{n.student_a2.pk}/",
        expect("200 200 404 404 404 404 302"),
    ),
    "learner_b": (
        lambda n: f"/network/learners/{n.student_b.pk}/",
        expect("200 404 200 404 404 200 302"),
    ),
    "api_regions": (
        lambda n: "/api/v1/stats/regions/",
        expect("200 200 200 403 403 403 403"),
    ),
    "api_kazan_lyceums": (
        lambda n: "/api/v1/stats/regions/kazan/lyceums/",
        expect("200 200 403 403 403 403 403"),
    ),
    "wagtail_admin": (lambda n: "/admin/", expect("302 302 302 302 302 302 302")),
    "wagtail_admin_login": (lambda n: "/admin/login/", expect("403 403 403 403 403 403 302")),
    "django_admin_login": (lambda n: "/django-admin/login/", expect("403 403 403 403 403 403 302")),
    "wagtail_private_page_login": (lambda n: "/_util/login/", expect("403 403 403 403 403 403 302")),
    "wagtail_admin_lyceum_create": (
        lambda n: "/admin/network_lyceums/new/",
        expect("302 302 302 302 302 302 302"),
    ),
    "wagtail_admin_lyceum_copy": (
        lambda n: f"/admin/network_lyceums/copy/{n.lyceum_b.pk}/",
        expect("302 302 302 302 302 302 302"),
    ),
    "wagtail_admin_group_create": (
        lambda n: "/admin/network_groups/new/",
        expect("302 302 302 302 302 302 302"),
    ),
    "wagtail_admin_group_copy": (
        lambda n: f"/admin/network_groups/copy/{n.group_b.pk}/",
        expect("302 302 302 302 302 302 302"),
    ),
    "oauth_discovery": (
        lambda n: "/oauth/.well-known/openid-configuration",
        expect("200 200 200 200 200 200 200"),
    ),
    "oauth_jwks": (lambda n: "/oauth/.well-known/jwks.json", expect("200 200 200 200 200 200 200")),
    "oauth_authorize_unknown_client": (
        lambda n: "/oauth/authorize/?client_id=unknown&response_type=code",
        expect("400 400 400 400 400 400 302"),
    ),
    "oauth_userinfo_without_token": (lambda n: "/oauth/userinfo/", expect("401 401 401 401 401 401 401")),
    "oauth_applications": (lambda n: "/oauth/applications/", expect("404 404 404 404 404 404 404")),
    "oauth_register": (lambda n: "/oauth/applications/register/", expect("404 404 404 404 404 404 404")),
    "oauth_authorized_tokens": (lambda n: "/oauth/authorized_tokens/", expect("404 404 404 404 404 404 404")),
    "oauth_device": (lambda n: "/oauth/device/", expect("404 404 404 404 404 404 404")),
    "oauth_dynamic_registration": (lambda n: "/oauth/register/", expect("404 404 404 404 404 404 404")),
    "oauth_introspect": (lambda n: "/oauth/introspect/", expect("404 404 404 404 404 404 404")),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(MATRIX))
def test_access_matrix(client, network, name, role):
    """Each URL answers each role exactly as the access rules say."""
    build, expected = MATRIX[name]
    if role != "anonymous":
        client.force_login(getattr(network, role))
    response = client.get(build(network))
    assert response.status_code == expected[role], (name, role, response.status_code)


def test_plan_set_outside_scope_is_404_and_writes_nothing(client, network):
    """A coordinator cannot set another municipality's plan by posting to its lyceum id."""
    from lyceums.models import EnrolmentPlan

    client.force_login(network.coord_b)
    response = client.post(
        f"/network/dashboard/lyceums/{network.lyceum_a.pk}/plan/",
        {"track": network.track.pk, "year": 2026, "planned_enrolments": 10},
    )
    assert response.status_code == 404
    assert not EnrolmentPlan.objects.exists()


def test_coordinator_api_lists_only_their_municipality(client, network):
    """The regions API gives a coordinator one row, their own, with its numbers."""
    client.force_login(network.coord_a)
    rows = client.get("/api/v1/stats/regions/").json()
    assert [row["code"] for row in rows] == ["kazan"]
    assert rows[0]["enrolments"] == 2
    assert rows[0]["teachers_completed"] == 1
    assert (rows[0]["at_risk"], rows[0]["behind_schedule"]) == (0, 0)


def test_coordinator_dashboard_never_shows_another_municipality(client, network):
    """Kazan's dashboard and its exports do not mention the Chelny lyceum or its students."""
    client.force_login(network.coord_a)
    for url in (
        "/network/dashboard/regions/kazan/",
        "/network/dashboard/regions/kazan/export/lyceums.csv",
        f"/network/learners/{network.student_a.pk}/",
    ):
        body = client.get(url).content.decode("utf-8")
        assert "Chelny IT lyceum" not in body
        assert network.student_b.email not in body
    page = client.get("/network/dashboard/regions/kazan/").content.decode()
    assert "Kazan IT lyceum" in page


def test_dashboard_home_sends_each_role_to_its_dashboard(client, network):
    """The menu entry redirects: administrator → republic, coordinator → municipality, teacher → groups."""
    expectations = {
        network.admin: "/network/dashboard/republic/",
        network.coord_a: "/network/dashboard/regions/kazan/",
        network.teacher: "/network/groups/",
    }
    for user, target in expectations.items():
        client.force_login(user)
        response = client.get("/network/dashboard/")
        assert response.status_code == 302
        assert response.url == target
    client.force_login(network.student_a)
    assert client.get("/network/dashboard/").status_code == 403


def test_openapi_documents_the_stats_endpoints(client, network):
    """The OpenAPI document lists both statistics endpoints."""
    client.force_login(network.admin)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/stats/regions/" in schema["paths"]
    assert "/api/v1/stats/regions/{code}/lyceums/" in schema["paths"]


def test_wagtail_admin_listings_are_scoped(client, network):
    """The admin's lyceum and group listings go through the scoping module: a staff coordinator of
    Kazan sees Kazan's lyceum but not Chelny's, and Chelny's edit page is a 404."""
    from django.contrib.auth.models import Permission

    coordinator = network.coord_a
    coordinator.is_staff = True
    coordinator.save()
    coordinator.user_permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "access_admin",
                "view_lyceum",
                "change_lyceum",
                "view_studygroup",
                "change_studygroup",
            ]
        )
    )
    client.force_login(coordinator)
    listing = client.get("/admin/network_lyceums/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "Kazan IT lyceum" in body
    assert "Chelny IT lyceum" not in body
    assert client.get(f"/admin/network_lyceums/edit/{network.lyceum_a.pk}/").status_code == 200
    assert client.get(f"/admin/network_lyceums/edit/{network.lyceum_b.pk}/").status_code == 404
    groups = client.get("/admin/network_groups/").content.decode()
    assert f"/admin/network_groups/edit/{network.group_a.pk}/" in groups
    assert f"/admin/network_groups/edit/{network.group_b.pk}/" not in groups


STAFF_ROLES = ["admin", "coord_a", "coord_b", "teacher"]

# The Wagtail admin's lyceum and group views for people let into the admin with every model
# permission: the rows they reach are still those of `lyceums.scoping` (outside the scope → 404).
ADMIN_MATRIX = {
    "lyceum_create": (lambda n: "/admin/network_lyceums/new/", "200 200 200 200"),
    "lyceum_copy_a": (lambda n: f"/admin/network_lyceums/copy/{n.lyceum_a.pk}/", "200 200 404 200"),
    "lyceum_copy_b": (lambda n: f"/admin/network_lyceums/copy/{n.lyceum_b.pk}/", "200 404 200 404"),
    "lyceum_edit_b": (lambda n: f"/admin/network_lyceums/edit/{n.lyceum_b.pk}/", "200 404 200 404"),
    "lyceum_delete_b": (lambda n: f"/admin/network_lyceums/delete/{n.lyceum_b.pk}/", "200 404 200 404"),
    "lyceum_usage_b": (lambda n: f"/admin/network_lyceums/usage/{n.lyceum_b.pk}/", "200 404 200 404"),
    "lyceum_history_b": (lambda n: f"/admin/network_lyceums/history/{n.lyceum_b.pk}/", "200 404 200 404"),
    "group_create": (lambda n: "/admin/network_groups/new/", "200 200 200 200"),
    "group_copy_a": (lambda n: f"/admin/network_groups/copy/{n.group_a.pk}/", "200 200 404 200"),
    "group_copy_a2": (lambda n: f"/admin/network_groups/copy/{n.group_a2.pk}/", "200 200 404 404"),
    "group_copy_b": (lambda n: f"/admin/network_groups/copy/{n.group_b.pk}/", "200 404 200 404"),
    "group_usage_b": (lambda n: f"/admin/network_groups/usage/{n.group_b.pk}/", "200 404 200 404"),
    "group_history_b": (lambda n: f"/admin/network_groups/history/{n.group_b.pk}/", "200 404 200 404"),
}


def _admin_staff(user):
    """Let *user* into the Wagtail admin with every lyceum and group permission."""
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="lyceums", content_type__model__in=["lyceum", "studygroup"]
        ),
        Permission.objects.get(codename="access_admin"),
    )
    return user


@pytest.mark.parametrize("role", STAFF_ROLES)
@pytest.mark.parametrize("name", list(ADMIN_MATRIX))
def test_wagtail_admin_views_are_scoped(client, network, name, role):
    """Every admin view of lyceums and groups (create, copy, edit, delete, usage, history) answers each
    staff role as the scoping rules say, even with every model permission."""
    build, codes = ADMIN_MATRIX[name]
    expected = dict(zip(STAFF_ROLES, map(int, codes.split()), strict=True))
    client.force_login(_admin_staff(getattr(network, role)))
    response = client.get(build(network))
    assert response.status_code == expected[role], (name, role, response.status_code)


def test_wagtail_admin_create_forms_offer_only_scoped_choices(client, network):
    """The create and copy forms of a Kazan coordinator offer Kazan's lyceum and municipality only, and
    as teachers only Kazan's teachers: Chelny's rows and other people are not listed."""
    from lyceums.models import StaffAssignment
    from tests.factories import UserFactory

    chelny_teacher = UserFactory(full_name="Chelny Teacher")
    StaffAssignment.objects.create(
        user=chelny_teacher, role=StaffAssignment.Role.TEACHER, lyceum=network.lyceum_b
    )
    client.force_login(_admin_staff(network.coord_a))
    for url in ("/admin/network_groups/new/", f"/admin/network_groups/copy/{network.group_a.pk}/"):
        form = client.get(url).context["form"]
        assert list(form.fields["lyceum"].queryset) == [network.lyceum_a]
        teachers = set(form.fields["teachers"].queryset)
        assert network.teacher in teachers
        assert chelny_teacher not in teachers
        assert network.student_b not in teachers
    regions = client.get("/admin/network_lyceums/new/").context["form"].fields["region"].queryset
    assert list(regions) == [network.kazan]


def test_wagtail_admin_coordinator_cannot_create_group_in_another_municipality(client, network):
    """Posting a new group into Chelny's lyceum as Kazan's coordinator is a form error; nothing is made."""
    from lyceums.models import StudyGroup

    client.force_login(_admin_staff(network.coord_a))
    response = client.post(
        "/admin/network_groups/new/",
        {"lyceum": network.lyceum_b.pk, "name": "Intruders", "academic_year": network.group_b.academic_year},
    )
    assert response.status_code == 200
    assert "lyceum" in response.context["form"].errors
    assert not StudyGroup.objects.filter(name="Intruders").exists()
