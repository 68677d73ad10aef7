"""Invitation e-mails for the people a roster import creates."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core import mail
from django.db import transaction

from lyceums.models import ImportJob, StaffAssignment
from lyceums.services import import_job_commit, import_job_create, import_job_run

User = get_user_model()
HEADER = "ФИО;Эл. почта;Год рождения;Код лицея;Группа;Роль;Язык\n"
LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+")


def _import(network, rows: list[str], capture, *, user=None):
    data = (HEADER + "\n".join(rows) + "\n").replace("{A}", network.lyceum_a.code).encode()
    job = import_job_create(user=user or network.coord_a, data=data, filename="roster.csv")
    assert job.errors == [], job.errors
    with capture(execute=True):
        job = import_job_commit(job=job, user=user or network.coord_a)
    return job


def test_one_invitation_per_new_person_in_their_language(
    network, django_capture_on_commit_callbacks, settings
):
    """Each account the import creates gets exactly one invitation after the import commits, in the
    language of its row (the site's default, Russian, when the column is empty), signed with the site
    from the settings; an existing account attached by the same import gets none."""
    settings.LANGUAGE_CODE = "ru"
    job = _import(
        network,
        [
            "Иванов Иван Петрович;ivan@school.ru;2010;{A};10-Б;ученик;",
            "Гарипова Алсу Ильдаровна;alsu@school.ru;2010;{A};10-Б;ученик;татарча",
            f"Уже есть;{network.student_a.email};2010;{{A}};10-Б;ученик;ru",
        ],
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.DONE
    assert sorted(message.to[0] for message in mail.outbox) == ["alsu@school.ru", "ivan@school.ru"]
    site = Site.objects.get_current()
    by_address = {message.to[0]: message for message in mail.outbox}
    russian, tatar = by_address["ivan@school.ru"], by_address["alsu@school.ru"]
    assert "Здравствуйте, Иванов Иван Петрович!" in russian.body
    assert "пароль" in russian.body
    assert "Исәнмесез, Гарипова Алсу Ильдаровна!" in tatar.body
    for message in (russian, tatar):
        assert site.name in message.subject
        assert site.domain in message.body
        assert "example.com" not in message.body
        assert len(LINK.findall(message.body)) == 1


def test_invitation_link_sets_the_password_and_the_person_signs_in(
    client, network, django_capture_on_commit_callbacks
):
    """The invitation's link opens the set-password page; the password set there lets the person log
    in with their e-mail (their address counts as confirmed: the link reached it), and the link does
    not work a second time."""
    _import(
        network, ["Иванов Иван;ivan@school.ru;2010;{A};10-Б;ученик;ru"], django_capture_on_commit_callbacks
    )
    (message,) = mail.outbox
    link = LINK.search(message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 302  # the key moves into the session, out of the address
    form_url = response.url
    response = client.post(form_url, {"password1": "Nov-parol-2027", "password2": "Nov-parol-2027"})
    assert response.status_code == 302
    ivan = User.objects.get(email="ivan@school.ru")
    assert ivan.check_password("Nov-parol-2027")
    assert EmailAddress.objects.filter(
        user=ivan, email="ivan@school.ru", verified=True, primary=True
    ).exists()
    client.logout()
    response = client.post("/accounts/login/", {"login": "ivan@school.ru", "password": "Nov-parol-2027"})
    assert response.status_code == 302
    assert "confirm" not in response.url
    assert "verif" not in response.url
    assert client.get("/" + path).context["token_fail"]


def test_failed_import_mails_nobody(network, django_capture_on_commit_callbacks):
    """An import that fails when it runs (here: the uploader lost their scope after the preview) is
    rolled back as a whole, and no invitation goes out."""
    data = (HEADER + "Иванов Иван;ivan@school.ru;2010;{A};10;ученик;\n").replace("{A}", network.lyceum_a.code)
    job = import_job_create(user=network.coord_a, data=data.encode(), filename="x.csv")
    StaffAssignment.objects.filter(user=network.coord_a).delete()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert not User.objects.filter(email="ivan@school.ru").exists()
    assert mail.outbox == []


@transaction.atomic
def _fail_after_commit(job, user) -> None:
    assert import_job_commit(job=job, user=user).status == ImportJob.Status.DONE
    raise RuntimeError("the request failed after the import")


def _commit_then_fail(job, user) -> None:
    with pytest.raises(RuntimeError, match="after the import"):
        _fail_after_commit(job, user)


def test_rolled_back_import_mails_nobody(network, django_capture_on_commit_callbacks):
    """Invitations wait for the import's transaction: when the transaction around a finished import
    rolls back (the request failed afterwards, say), the accounts vanish and no e-mail is sent."""
    data = (HEADER + "Иванов Иван;ivan@school.ru;2010;{A};10;ученик;\n").replace("{A}", network.lyceum_a.code)
    job = import_job_create(user=network.coord_a, data=data.encode(), filename="x.csv")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _commit_then_fail(job, network.coord_a)
    assert callbacks == []
    assert not User.objects.filter(email="ivan@school.ru").exists()
    assert mail.outbox == []


def test_reimport_of_the_same_people_mails_nobody(network, django_capture_on_commit_callbacks):
    """Importing a file again attaches the accounts the first import made: no second invitation."""
    rows = ["Иванов Иван;ivan@school.ru;2010;{A};10-Б;ученик;"]
    _import(network, rows, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    _import(network, rows, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_unknown_language_is_a_row_error(network):
    """A language the platform does not speak is an error of its row, named in the preview."""
    data = (HEADER + "Иванов Иван;ivan@school.ru;2010;{A};10;ученик;клингонский\n").replace(
        "{A}", network.lyceum_a.code
    )
    job = import_job_create(user=network.coord_a, data=data.encode(), filename="x.csv")
    assert job.status == ImportJob.Status.INVALID
    assert [(error["column"], error["row"]) for error in job.errors] == [("language", 2)]


@pytest.mark.parametrize("status", ["preview", "done"])
def test_import_pages_say_how_people_sign_in(client, network, django_capture_on_commit_callbacks, status):
    """The preview says that new people get an invitation to set a password; the result says to how
    many it is being sent."""
    client.force_login(network.coord_a)
    data = (HEADER + "Иванов Иван;ivan@school.ru;2010;{A};10;ученик;\n").replace("{A}", network.lyceum_a.code)
    job = import_job_create(user=network.coord_a, data=data.encode(), filename="x.csv")
    if status == "done":
        with django_capture_on_commit_callbacks(execute=True):
            import_job_commit(job=job, user=network.coord_a)
    page = client.get(f"/network/import/{job.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    if status == "preview":
        assert "получат письмо-приглашение" in page
    else:
        assert "письмо-приглашение" in page
