"""Roster import and existing accounts: an import creates people, or attaches people already in the
uploader's scope as they are; it never takes over or renames anybody else's account."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from lyceums.models import GroupMembership, ImportJob, StaffAssignment
from lyceums.services import import_job_commit, import_job_create
from tests.factories import GroupMembershipFactory, StaffAssignmentFactory, UserFactory

User = get_user_model()
HEADER = "ФИО;Эл. почта;Год рождения;Код лицея;Группа;Роль\n"


def preview(network, user, *rows: str) -> ImportJob:
    """Check a CSV roster of `rows` ({A}, {B}: the two lyceums' codes) as `user` uploads it."""
    text = (HEADER + "\n".join(rows) + "\n").replace("{A}", network.lyceum_a.code)
    text = text.replace("{B}", network.lyceum_b.code)
    return import_job_create(user=user, data=text.encode(), filename="roster.csv")


def problems(job: ImportJob) -> set[tuple[int, str]]:
    return {(error["row"], error["column"]) for error in job.errors}


def test_teacher_cannot_take_over_a_student_of_another_municipality(network):
    """A teacher's roster naming a student of another municipality is an error of that row, saying the
    account exists outside the teacher's lyceum; the job cannot be committed and the student keeps
    their name and group."""
    student = network.student_b
    name = student.full_name
    job = preview(network, network.teacher, f"Чужое Имя;{student.email.upper()};2010;{{A}};10-Б;ученик")
    assert job.status == ImportJob.Status.INVALID
    assert problems(job) == {(2, "email")}
    assert "already exists outside your lyceum" in job.errors[0]["message"]
    assert job.rows == []
    with pytest.raises(Exception, match="cannot be started"):
        import_job_commit(job=job, user=network.teacher)
    student.refresh_from_db()
    assert student.full_name == name
    assert list(GroupMembership.objects.filter(student=student).values_list("group", flat=True)) == [
        network.group_b.pk
    ]


@pytest.mark.parametrize(
    "who",
    ["republic_admin", "superuser", "django_staff", "coordinator", "colleague"],
)
def test_teacher_never_attaches_staff_accounts(network, who):
    """A teacher's import never attaches a staff account — a republic administrator, a superuser, a
    user of the administration site, the coordinator of their municipality, another teacher of their
    own lyceum — even one who is in a group of the teacher's lyceum."""
    if who == "republic_admin":
        person = network.admin
    elif who == "superuser":
        person = UserFactory(is_superuser=True, is_staff=True)
    elif who == "django_staff":
        person = UserFactory(is_staff=True)
    elif who == "coordinator":
        person = network.coord_a
    else:
        person = StaffAssignmentFactory(role=StaffAssignment.Role.TEACHER, lyceum=network.lyceum_a).user
    GroupMembershipFactory(group=network.group_a2, student=person)
    job = preview(network, network.teacher, f"Новое Имя;{person.email};2010;{{A}};10-Б;ученик")
    assert problems(job) == {(2, "email")}
    assert job.status == ImportJob.Status.INVALID


def test_teacher_cannot_import_teachers(network):
    """Only a coordinator imports teachers: a teacher's row with role teacher is an error of that row,
    even for a person who does not exist yet."""
    job = preview(
        network,
        network.teacher,
        "Новый Учитель;new-teacher@school.ru;;{A};10-Б;учитель",
        "Новый Ученик;new-student@school.ru;2010;{A};10-Б;ученик",
    )
    assert problems(job) == {(2, "role")}
    assert "Only a coordinator" in job.errors[0]["message"]
    assert [row["email"] for row in job.rows] == ["new-student@school.ru"]


def test_coordinator_cannot_take_over_accounts_outside_their_municipality(network):
    """A coordinator may not attach a student or the coordinator of another municipality, a republic
    administrator or a superuser: each is an error of its row, naming the municipality."""
    superuser = UserFactory(is_superuser=True)
    job = preview(
        network,
        network.coord_a,
        f"Один;{network.student_b.email};2010;{{A}};10-Б;ученик",
        f"Два;{network.coord_b.email};;{{A}};10-Б;учитель",
        f"Три;{network.admin.email};;{{A}};10-Б;ученик",
        f"Четыре;{superuser.email};;{{A}};10-Б;ученик",
    )
    assert problems(job) == {(2, "email"), (3, "email"), (4, "email"), (5, "email")}
    assert all("already exists outside your municipality" in error["message"] for error in job.errors)


def test_coordinator_attaches_a_teacher_of_their_municipality(network):
    """A coordinator may make a teacher of their municipality teach a new group; the teacher's account
    keeps its name (the difference is a warning of the row)."""
    name = network.teacher.full_name
    job = preview(network, network.coord_a, f"Другое Имя;{network.teacher.email};;{{A}};11-А;учитель")
    assert job.status == ImportJob.Status.PREVIEW
    assert [warning["column"] for warning in job.rows[0]["warnings"]] == ["full_name"]
    job = import_job_commit(job=job, user=network.coord_a)
    assert job.status == ImportJob.Status.DONE
    network.teacher.refresh_from_db()
    assert network.teacher.full_name == name
    assert network.teacher.taught_groups.filter(name="11-А", lyceum=network.lyceum_a).exists()


def test_student_of_the_lyceum_is_attached_but_not_renamed(network):
    """A teacher may put a student of their own lyceum (from a group they do not teach) into a group;
    the full name and birth year in the file are not applied but shown as warnings, and the job counts
    the person as an existing account."""
    student = network.student_a2
    name, year = student.full_name, student.birth_year
    job = preview(network, network.teacher, f"Иное Имя;{student.email};2001;{{A}};10-Б;ученик")
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    assert {warning["column"] for warning in job.rows[0]["warnings"]} == {"full_name", "birth_year"}
    assert student.full_name in job.rows[0]["warnings"][0]["message"]
    job = import_job_commit(job=job, user=network.teacher)
    assert (job.status, job.created_count, job.updated_count) == (ImportJob.Status.DONE, 0, 1)
    student.refresh_from_db()
    assert (student.full_name, student.birth_year) == (name, year)
    assert GroupMembership.objects.filter(student=student, group__name="10-Б").exists()


def test_existing_e_mail_is_matched_case_insensitively(network):
    """An account whose address differs only in letter case is found: a teacher's row naming a
    superuser as «boss@…» is refused at preview, and a coordinator's row naming a student of their
    municipality attaches that student instead of failing on a duplicate."""
    UserFactory(email="Boss@Example.org", is_superuser=True)
    job = preview(network, network.teacher, "Начальник;boss@example.org;;{A};10-Б;ученик")
    assert problems(job) == {(2, "email")}

    student = GroupMembershipFactory(
        group=network.group_a, student=UserFactory(email="Mixed@School.ru")
    ).student
    job = preview(network, network.coord_a, "Смешанный Регистр;mixed@school.ru;2010;{A};10-Б;ученик")
    assert job.errors == []
    job = import_job_commit(job=job, user=network.coord_a)
    assert (job.status, job.created_count, job.updated_count) == (ImportJob.Status.DONE, 0, 1)
    assert User.objects.filter(email__iexact="mixed@school.ru").count() == 1
    assert GroupMembership.objects.filter(student=student, group__name="10-Б").exists()


def test_account_created_after_the_preview_is_checked_again(network):
    """An address that was new at preview but belongs to someone outside the teacher's lyceum by the
    time of import fails the whole import: nothing is written and that account is left alone."""
    job = preview(
        network,
        network.teacher,
        "Первый;first@school.ru;2010;{A};10-Б;ученик",
        "Поздний;late@school.ru;2010;{A};10-Б;ученик",
    )
    assert job.status == ImportJob.Status.PREVIEW
    late = GroupMembershipFactory(group=network.group_b, student=UserFactory(email="late@school.ru")).student
    name = late.full_name
    job = import_job_commit(job=job, user=network.teacher)
    assert job.status == ImportJob.Status.FAILED
    assert "already exists outside your lyceum" in job.message
    assert not User.objects.filter(email="first@school.ru").exists()
    late.refresh_from_db()
    assert late.full_name == name
    assert not GroupMembership.objects.filter(student=late, group__lyceum=network.lyceum_a).exists()


def test_republic_administrator_may_attach_anyone(network):
    """A republic administrator's import may attach any account, e.g. move a student of one
    municipality into a lyceum of another."""
    job = preview(network, network.admin, f"Имя;{network.student_b.email};2010;{{A}};10-Б;ученик")
    assert job.errors == []
