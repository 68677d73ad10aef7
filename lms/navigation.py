"""Main-menu entries contributed by the apps. Each app registers its entries in `AppConfig.ready()`,
with a predicate saying who sees them, so the shell never needs to know the apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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


def nav_items_for(user) -> list[dict]:
    """The menu entries this user sees, in order."""
    entries = []
    for item in sorted(_items, key=lambda i: i.order):
        if not item.is_visible(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        entries.append({"label": item.label, "url": url})
    return entries
