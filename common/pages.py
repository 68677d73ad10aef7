"""Parent lookups in the Wagtail page tree by materialised path: a page's parent has the page's path
minus its last step, so "the course a lesson belongs to" or "the track of a course" is one query (or
none, when the candidate parents are already loaded) instead of `get_parent()` and `.specific`."""

from __future__ import annotations

from typing import TypeVar

from wagtail.models import Page

P = TypeVar("P", bound=Page)


def parent_path(path: str) -> str:
    """The tree path of the parent of the page at `path`."""
    return path[: -Page.steplen]


def parent_page(page: Page, model: type[P]) -> P:
    """The parent of `page` as an instance of `model`, in one query; raises `model.DoesNotExist` when
    the parent is not one."""
    return model.objects.get(path=parent_path(page.path))
