import pytest
from wagtail.models import Page, Site

from content.models import HomePage, NewsIndexPage, NewsPage, StandardPage
from courses.models import CatalogPage, CoursePage, TrackPage

pytestmark = pytest.mark.django_db


def test_migration_makes_home_the_site_root():
    """After migrating, the default site's root is the home page, with the catalogue and the About page
    below it and no Wagtail welcome page left."""
    site = Site.objects.get(is_default_site=True)
    home = site.root_page.specific
    assert isinstance(home, HomePage)
    children = {page.slug: page.specific_class for page in home.get_children().live()}
    assert children == {"catalog": CatalogPage, "about": StandardPage}
    assert not Page.objects.filter(depth=2).exclude(pk=home.pk).exists()
    assert Page.find_problems() == ([], [], [], [], [])


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
