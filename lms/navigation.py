"""Main-menu entries contributed by the apps. Each app registers its entries in `AppConfig.ready()`,
with a predicate saying who sees them, so the shell never needs to know the apps.

The predicates ask about roles (several queries); which entries a signed-in user sees, and whether they
may use Wagtail's admin (the editor's bar on pages), is kept in the cache for NAV_CACHE_SECONDS, so most
pages pay none of them. A change to the user's account, groups or permissions, to their groups'
permissions, or to a relation an app names (nav_cache_forget_on_change, e.g. a study group's teachers)
forgets it at once; so does an app for a role it keeps otherwise (a staff assignment: nav_items_forget).
The menu only shows the way: every page checks its own access, so a stale entry leads to a refusal,
never to a page the user may not see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_save
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    order: int
    is_visible: Callable[[object], bool]


_items: list[NavItem] = []


def register_nav_item(
    *, label: str, url_name: str, order: int = 100, is_visible: Callable | None = None
) -> None:
    if any(item.url_name == url_name for item in _items):
        return
    _items.append(NavItem(label, url_name, order, is_visible or (lambda user: True)))


def _cache_key(user_id: int) -> str:
    return f"nav:{user_id}"


def nav_items_forget(*, user_id: int) -> None:
    """Forget which entries the user sees (their roles or permissions changed)."""
    cache.delete(_cache_key(user_id))


def _account_changed(sender, instance, **_signal) -> None:
    nav_items_forget(user_id=instance.pk)


def _user_ids_affected(instance, model, pk_set) -> list[int]:
    """Whose menus a change to a many-to-many relation touches: the user on one side, or the users on
    the other (the users of the groups, for a change to groups' permissions)."""
    user_model = get_user_model()
    if isinstance(instance, user_model):
        return [instance.pk]
    if model is user_model:
        return list(pk_set or ())
    if isinstance(instance, Group):  # a group's permissions changed
        return list(instance.user_set.values_list("pk", flat=True))
    if model is Group:  # a permission given to or taken from groups
        return list(user_model.objects.filter(groups__in=pk_set or ()).values_list("pk", flat=True))
    return []


def _related_pks(through, instance, model) -> list[int]:
    """The primary keys of the `model` objects `instance` is related to through the `through` table."""
    fields = [f for f in through._meta.get_fields() if f.many_to_one]
    mine = next(f for f in fields if f.related_model == instance._meta.concrete_model)
    other = next(f for f in fields if f.related_model == model._meta.concrete_model and f is not mine)
    return list(through.objects.filter(**{mine.name: instance.pk}).values_list(other.attname, flat=True))


def _relation_changed(sender, instance, action: str, model, pk_set, **_signal) -> None:
    if action == "pre_clear":
        # After the clear the other side is empty: note now whose menus it touches.
        instance._nav_cleared_user_ids = _user_ids_affected(
            instance, model, _related_pks(sender, instance, model)
        )
        return
    if action == "post_clear":
        user_ids = getattr(instance, "_nav_cleared_user_ids", [])
    elif action in ("post_add", "post_remove"):
        user_ids = _user_ids_affected(instance, model, pk_set)
    else:
        return
    cache.delete_many([_cache_key(pk) for pk in user_ids])


def nav_cache_forget_on_change(through) -> None:
    """Forget the menus of the users a change to this many-to-many relation (`Model.field.through`)
    touches, e.g. the teachers of a study group: for an app whose relation gives a role."""
    m2m_changed.connect(_relation_changed, sender=through, dispatch_uid=f"nav-{through._meta.label}")


def nav_cache_connect() -> None:
    """Forget a user's entries when their account (superuser, active), groups or permissions, or their
    groups' permissions, change: called when the app is ready."""
    user_model = get_user_model()
    post_save.connect(_account_changed, sender=user_model, dispatch_uid="nav-account")
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        nav_cache_forget_on_change(through)


def _menu(user) -> dict:
    """The url names of the entries the user sees, in order, and whether they may use Wagtail's admin
    (the page editor's bar): from the cache for a signed-in user, asked afresh otherwise."""
    cached = getattr(user, "is_authenticated", False) and settings.NAV_CACHE_SECONDS > 0
    if cached:
        menu = cache.get(_cache_key(user.pk))
        if menu is not None:
            return menu
    menu = {
        "url_names": [
            item.url_name for item in sorted(_items, key=lambda i: i.order) if item.is_visible(user)
        ],
        "admin": bool(
            getattr(user, "is_authenticated", False) and user.has_perm("wagtailadmin.access_admin")
        ),
    }
    if cached:
        cache.set(_cache_key(user.pk), menu, timeout=settings.NAV_CACHE_SECONDS)
    return menu


def nav_items_for(user) -> list[dict]:
    """The menu entries this user sees, in order (labels in the active language)."""
    labels = {item.url_name: item.label for item in _items}
    entries = []
    for url_name in _menu(user)["url_names"]:
        if url_name not in labels:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        entries.append({"label": labels[url_name], "url": url})
    return entries


def may_edit_pages(user) -> bool:
    """Whether the user may use Wagtail's admin: the pages then show the editor's bar."""
    return _menu(user)["admin"]
