"""Creates the demo catalogue as real, published Wagtail pages. Idempotent: a page that already exists
(found by its track code or by its slug under its parent) is left as it is, so editors' changes survive
a re-run."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.models import Page, Site

from common.pages import in_default_locale
from courses.models import CatalogPage, CoursePage, LessonPage, TrackPage

from . import games, short, smm, teachers, web
from .structure import PRACTICE_SLUG, Course
from .tracks import TRACKS

FULL_COURSES: list[Course] = [web.COURSE, games.COURSE, smm.COURSE, teachers.COURSE]
ALL_COURSES: list[Course] = FULL_COURSES + short.COURSES

# The lesson of each student course reserved for a notebook exercise (the grading demo fills it).
EXERCISE_LESSONS: dict[str, str] = {
    course.slug: PRACTICE_SLUG
    for course in FULL_COURSES
    if any(lesson.slug == PRACTICE_SLUG for lesson in course.lessons)
}

# Embed records for the demo videos, so lessons render without asking the video host for oEmbed data.
VIDEOS: dict[str, dict] = {
    web.HTML_CRASH_COURSE: {
        "id": "UB1O30fR-EE",
        "title": "HTML Crash Course For Absolute Beginners",
        "author_name": "Traversy Media",
    },
    games.PYTHON_FULL_COURSE: {
        "id": "rfscVS0vtbw",
        "title": "Learn Python - Full Course for Beginners [Tutorial]",
        "author_name": "freeCodeCamp.org",
    },
}


@dataclass
class SeedResult:
    tracks: int = 0
    courses: int = 0
    lessons: int = 0


def _publish(parent: Page, page: Page) -> Page:
    page.live = False
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def ensure_video_embeds() -> None:
    for url, video in VIDEOS.items():
        html = (
            f'<iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/{video["id"]}" '
            f'title="{video["title"]}" frameborder="0" allow="encrypted-media; picture-in-picture" '
            "allowfullscreen></iframe>"
        )
        Embed.objects.update_or_create(
            hash=get_embed_hash(url),
            defaults={
                "url": url,
                "type": "video",
                "html": html,
                "title": video["title"],
                "author_name": video["author_name"],
                "provider_name": "YouTube",
                "thumbnail_url": f"https://i.ytimg.com/vi/{video['id']}/hqdefault.jpg",
                "width": 560,
                "height": 315,
            },
        )


def ensure_catalog() -> CatalogPage:
    catalog = in_default_locale(CatalogPage.objects.order_by("path")).first()
    if catalog is not None:
        return catalog
    site = Site.objects.get(is_default_site=True)
    return _publish(site.root_page, CatalogPage(title="Каталог курсов", slug="catalog"))


@transaction.atomic
def seed_courses() -> SeedResult:
    """Every track of the network, the fully written demo courses and a short course for every other
    track, published. Returns how many pages were created."""
    result = SeedResult()
    ensure_video_embeds()
    catalog = ensure_catalog()

    tracks: dict[str, TrackPage] = {}
    for order, track in enumerate(TRACKS, start=1):
        page = in_default_locale(TrackPage.objects.filter(code=track.code)).first()
        if page is None:
            page = _publish(
                catalog,
                TrackPage(
                    title=track.title,
                    slug=track.code,
                    code=track.code,
                    icon=track.icon,
                    summary=track.summary,
                    description=f"<p>{track.description}</p>",
                    sort_order=order * 10,
                ),
            )
            result.tracks += 1
        tracks[track.code] = page

    for course in ALL_COURSES:
        track = tracks[course.track]
        course_page = CoursePage.objects.child_of(track).filter(slug=course.slug).first()
        if course_page is None:
            course_page = _publish(
                track,
                CoursePage(
                    title=course.title,
                    slug=course.slug,
                    summary=course.summary,
                    description=course.description,
                    audience=course.audience,
                    level=course.level,
                    format=course.format,
                    duration_hours=course.duration_hours,
                    # Lyceum groups study two academic hours a week.
                    expected_weeks=max(4, -(-course.duration_hours // 2)),
                ),
            )
            result.courses += 1
        for lesson in course.lessons:
            if LessonPage.objects.child_of(course_page).filter(slug=lesson.slug).exists():
                continue
            _publish(
                course_page,
                LessonPage(
                    title=lesson.title,
                    slug=lesson.slug,
                    summary=lesson.summary,
                    duration_minutes=lesson.duration_minutes,
                    body=lesson.body,
                ),
            )
            result.lessons += 1
    return result
