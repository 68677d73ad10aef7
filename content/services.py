"""Writes for the site's own pages."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from courses.models import CatalogPage

from .models import HomePage, StandardPage

HOME_HERO_TITLE = "Учитесь цифровым профессиям в IT-лицее"
HOME_HERO_TEXT = (
    "<p>Бесплатные дистанционные курсы по двадцати пяти направлениям цифровой экономики "
    "для школьников и учителей IT-лицеев республики.</p>"
)
ABOUT_INTRO = "Сеть IT-лицеев: цифровые профессии для школьников и учителей."
ABOUT_BODY = [
    {
        "type": "paragraph",
        "value": (
            "<p>Сеть IT-лицеев объединяет лицеи всех муниципальных районов и городских округов "
            "республики. Школьники учатся дистанционно по направлениям цифровой экономики: от "
            "веб-разработки и программирования на Python до SMM и информационной безопасности. "
            "Учителя бесплатно проходят переподготовку и затем ведут группы в своих лицеях.</p>"
        ),
    },
]


def _publish(parent: Page, page: Page) -> Page:
    page.live = False
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@transaction.atomic
def site_structure_ensure() -> HomePage:
    """Make sure the home page is the default site's root and has the catalogue and the About page
    below it, creating whatever is missing (the data migration makes them on a fresh database; this
    restores them, e.g. for the demo after the tables were emptied)."""
    root = Page.get_first_root_node()
    if root is None:
        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        root = Page.add_root(instance=Page(title="Root", slug="root"))
    home = HomePage.objects.order_by("path").first()
    if home is None:
        home = _publish(
            root,
            HomePage(title="Главная", slug="home", hero_title=HOME_HERO_TITLE, hero_text=HOME_HERO_TEXT),
        )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save(update_fields=["root_page"])
    if not CatalogPage.objects.exists():
        _publish(home, CatalogPage(title="Каталог курсов", slug="catalog", show_in_menus=True))
    if not StandardPage.objects.child_of(home).filter(slug="about").exists():
        _publish(
            home,
            StandardPage(
                title="О проекте", slug="about", intro=ABOUT_INTRO, body=ABOUT_BODY, show_in_menus=True
            ),
        )
    return home
