"""Site pages that are not courses: the home page, standard pages and news."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from courses.models import CatalogPage
from courses.selectors import featured_tracks
from lms.page_memo import RememberedViewRestrictionsMixin

from .blocks import ContentStreamBlock


class HomePage(RememberedViewRestrictionsMixin, Page):
    """The portal's front page."""

    hero_title = models.CharField(_("hero title"), max_length=200, blank=True)
    hero_text = RichTextField(_("hero text"), blank=True, features=["bold", "italic", "link"])
    body = StreamField(ContentStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("hero_title"),
        FieldPanel("hero_text"),
        FieldPanel("body"),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "courses.CatalogPage",
        "content.StandardPage",
        "content.NewsIndexPage",
        "content.PrivacyPolicyPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["tracks"] = featured_tracks(locale=self.locale_id)
        context["catalog"] = CatalogPage.objects.live().public().child_of(self).first()
        return context


class StandardPage(RememberedViewRestrictionsMixin, Page):
    """An ordinary information page (about, contacts, rules)."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(ContentStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["content.HomePage", "content.StandardPage"]
    subpage_types = ["content.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


class NewsIndexPage(RememberedViewRestrictionsMixin, Page):
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["content.HomePage"]
    subpage_types = ["content.NewsPage"]
    max_count = 1

    class Meta:
        verbose_name = _("news index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["news"] = NewsPage.objects.live().child_of(self).order_by("-date")
        return context


class NewsPage(RememberedViewRestrictionsMixin, Page):
    date = models.DateField(_("date"))
    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(ContentStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("date"), FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["content.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news")


class PrivacyPolicyPage(RememberedViewRestrictionsMixin, Page):
    """The personal-data policy (152-FZ) people consent to. Its version label is what a consent records:
    publishing a revision with a new version asks everyone to consent again (`lms.consent`); a revision
    that keeps the version (a typo fixed) asks nobody."""

    version = models.CharField(
        _("version"),
        max_length=50,
        help_text=_(
            "Change it when the policy changes in substance: everyone will be asked to consent again."
        ),
    )
    effective_date = models.DateField(_("in force since"))
    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(ContentStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("version"), FieldPanel("effective_date")]),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["content.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("personal data policy")
        verbose_name_plural = _("personal data policies")
