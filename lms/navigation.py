"""Main-menu entries contributed by the apps. Each app registers its entries in `AppConfig.ready()`,
with a predicate saying who sees them, so the shell never needs to know the apps.

The predicates ask about roles (several queries); which entries a signed-in user sees, and whether they
may use Wagtail's admin (the editor's bar on pages), is kept in the cache for NAV_CACHE_SECONDS, so most
pages pay none of them. A change to the user's account, groups or
permissions forgets it at once; a role given or taken elsewhere (a staff assignment, a taught group)
shows in the menu within NAV_CACHE_SECONDS. The menu only shows the way: every page checks its own
access, so a stale entry leads to a refusal, never to a page the user may not see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
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


def _memberships_changed(sender, instance, action: str, reverse: bool, pk_set, **_signal) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:
        nav_items_forget(user_id=instance.pk)
    elif pk_set:  # a group's or a permission's users changed
        cache.delete_many([_cache_key(pk) for pk in pk_set])
    else:  # cleared from the group's side: whose entries changed is not known
        cache.delete_many([_cache_key(pk) for pk in instance.user_set.values_list("pk", flat=True)])


def nav_cache_connect() -> None:
    """Forget a user's entries when their account (superuser, active), groups or permissions change:
    called when the app is ready."""
    user_model = get_user_model()
    post_save.connect(_account_changed, sender=user_model, dispatch_uid="nav-account")
    for through in (user_model.groups.through, user_model.user_permissions.through):
        m2m_changed.connect(_memberships_changed, sender=through, dispatch_uid=f"nav-{through.__name__}")


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
