"""The demo accounts: fixed logins, one per role, sharing the password `settings.DEMO_PASSWORD`.

Only accounts, e-mail verification and Wagtail groups are set here; the demo network
(`demo.network`) gives the accounts their staff assignments and group memberships."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import GroupPagePermission, Page

EDITORS_GROUP = "Editors"
# What an editor needs: the Wagtail admin, and adding and editing pages, images, documents and exercises.
EDITOR_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
    *[("grading", f"{action}_exercise") for action in ("add", "change", "view")],  # as grading 0005 grants
    ("simple_translation", "submit_translation"),  # the admin's "Translate" action
]
EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page"]


@dataclass(frozen=True)
class DemoAccount:
    key: str
    email: str
    full_name: str
    role: str
    superuser: bool = False
    groups: tuple[str, ...] = ()


DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount("student", "student@example.org", "Сафина Алина Ринатовна", "student of a Kazan IT lyceum"),
    DemoAccount(
        "student2",
        "student2@example.org",
        "Гарипов Тимур Рустамович",
        "student of a Naberezhnye Chelny lyceum",
    ),
    DemoAccount("teacher", "teacher@example.org", "Валиева Ирина Сергеевна", "teacher of a Kazan IT lyceum"),
    DemoAccount(
        "coordinator", "coordinator@example.org", "Хабибуллин Рустем Маратович", "regional coordinator, Kazan"
    ),
    DemoAccount(
        "coordinator2",
        "coordinator2@example.org",
        "Закирова Гульнара Ильдаровна",
        "regional coordinator, Naberezhnye Chelny",
    ),
    DemoAccount(
        "admin",
        "admin@example.org",
        "Ахметов Марат Фаридович",
        "republic administrator (superuser)",
        superuser=True,
    ),
    DemoAccount(
        "editor",
        "editor@example.org",
        "Нуриева Лилия Азатовна",
        "content editor (Wagtail admin, Editors group)",
        groups=(EDITORS_GROUP,),
    ),
]
DEMO_EMAILS: dict[str, str] = {account.key: account.email for account in DEMO_ACCOUNTS}


def ensure_editors_group() -> Group:
    """The Wagtail "Editors" group with its usual rights (Wagtail's migrations create it; this restores
    it on a database where it is missing)."""
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    for app_label, codename in EDITOR_PERMISSIONS:
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            group.permissions.add(permission)
    root = Page.get_first_root_node()
    if root is not None:
        for codename in EDITOR_PAGE_PERMISSIONS:
            permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
            GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)
    return group


@transaction.atomic
def ensure_demo_accounts() -> dict[str, object]:
    """Create (or bring back in line) every demo account, with a verified primary e-mail address and
    the demo password. Returns the users by key (`"student"`, `"teacher"`, ...)."""
    User = get_user_model()
    users: dict[str, object] = {}
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email__iexact=account.email).first()
        if user is None:
            user = User(email=account.email)
        user.full_name = account.full_name
        user.is_active = True
        user.is_superuser = account.superuser
        user.is_staff = account.superuser
        user.set_password(settings.DEMO_PASSWORD)
        user.full_clean(exclude=["password"])
        user.save()
        for name in account.groups:
            group = (
                ensure_editors_group() if name == EDITORS_GROUP else Group.objects.get_or_create(name=name)[0]
            )
            user.groups.add(group)
        EmailAddress.objects.filter(user=user).exclude(email__iexact=account.email).update(primary=False)
        address, _ = EmailAddress.objects.get_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        if not (address.verified and address.primary):
            address.verified = True
            address.primary = True
            address.save(update_fields=["verified", "primary"])
        users[account.key] = user
    return users


def demo_accounts_table() -> str:
    """The demo accounts and their roles, as `seed_demo` and `run_demo` print them."""
    width = max(len(account.email) for account in DEMO_ACCOUNTS)
    lines = [f"Demo accounts (password: {settings.DEMO_PASSWORD}):"]
    lines += [f"  {account.email:<{width}}  {account.role}" for account in DEMO_ACCOUNTS]
    return "\n".join(lines)
