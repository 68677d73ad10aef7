import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from wagtail.models import Page, Site

from content.models import HomePage, NewsIndexPage, NewsPage, StandardPage
from courses.models import CatalogPage, CoursePage, TrackPage

pytestmark = pytest.mark.django_db


def historical_apps():
    """The app registry as migrations see it (models without their Python methods)."""
    return MigrationLoader(connection).project_state().apps


def test_migration_replaces_welcome_page():
    """The data migration swaps Wagtail's welcome page for the home page, makes it the default site's
    root and creates the catalogue and the About page below it."""
    for home in HomePage.objects.all():
        Site.objects.filter(root_page=home).delete()
        home.delete()
    root = Page.get_first_root_node()
    welcome = root.add_child(instance=Page(title="Welcome to your new Wagtail site!", slug="home"))
    Site.objects.create(hostname="localhost", port=80, root_page=welcome, is_default_site=True)

    migration = importlib.import_module("content.migrations.0002_site_structure")
    migration.create_site_structure(historical_apps(), None)

    site = Site.objects.get(is_default_site=True)
    home = site.root_page.specific
    assert isinstance(home, HomePage)
    assert home.live
    children = {page.slug: page.specific_class for page in home.get_children().live()}
    assert children == {"catalog": CatalogPage, "about": StandardPage}
    assert not Page.objects.filter(pk=welcome.pk).exists()
    assert list(Page.objects.filter(depth=2)) == [home.page_ptr]
    assert Page.find_problems() == ([], [], [], [], [])


def test_migration_leaves_an_existing_home_page_alone():
    """Run on a site that already has a home page, the migration changes nothing."""
    before = list(Page.objects.values_list("pk", "path"))
    migration = importlib.import_module("content.migrations.0002_site_structure")
    migration.create_site_structure(historical_apps(), None)
    assert list(Page.objects.values_list("pk", "path")) == before


@pytest.mark.parametrize(
    ("child", "parent", "allowed"),
    [
        (StandardPage, HomePage, True),
        (StandardPage, StandardPage, True),
        (StandardPage, CatalogPage, False),
        (NewsIndexPage, HomePage, True),
        (NewsIndexPage, StandardPage, False),
        (NewsPage, NewsIndexPage, True),
        (NewsPage, HomePage, False),
        (CatalogPage, HomePage, True),
        (HomePage, HomePage, False),
        (TrackPage, HomePage, False),
        (CoursePage, StandardPage, False),
    ],
)
def test_page_type_rules(child, parent, allowed):
    """Where each site page may be created in the tree."""
    assert (child in parent.allowed_subpage_models()) is allowed
    assert (parent in child.allowed_parent_page_models()) is allowed


def test_only_one_home_page_and_news_index():
    """A second home page or news index cannot be created in the admin."""
    home = HomePage.objects.get()
    assert HomePage.max_count == 1
    assert not HomePage.can_create_at(home.get_parent())
    home.add_child(instance=NewsIndexPage(title="Новости", slug="news"))
    assert not NewsIndexPage.can_create_at(home)
    assert StandardPage.can_create_at(home)
