"""Reads for the catalogue, courses, lessons and a learner's progress."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from wagtail.models import Page

from common.pages import in_locale, parent_path
from lms.page_memo import page_memo, page_memo_copy

from .blocks import quiz_marks
from .forms import CatalogFilterForm
from .models import (
    ActivityResult,
    CatalogPage,
    Certificate,
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    QuizAttempt,
    TrackPage,
)

# Permissions answered by the territory rules of the `lyceums` app (its authentication backend).
PERM_STAFF = "lyceums.is_staff_member"
PERM_VIEW_LEARNER = "lyceums.view_learner"

ACTIVITY_BLOCK_TYPES = {"quiz": ActivityResult.Kind.QUIZ, "notebook_exercise": ActivityResult.Kind.EXERCISE}


# ---------------------------------------------------------------------------------------------------
# Catalogue


def featured_tracks(*, locale=None) -> QuerySet[TrackPage]:
    """Every live track in one language (a Locale or its id; by default the reader's), in the editors'
    order."""
    return in_locale(TrackPage.objects.live().public(), locale).order_by("sort_order", "title")


def track_courses(*, track: TrackPage) -> QuerySet[CoursePage]:
    """The live courses of a track, in the editors' order."""
    return CoursePage.objects.live().public().child_of(track).order_by("path")


def catalog_page(request: HttpRequest | None = None) -> CatalogPage | None:
    """The live catalogue page in the reader's language (there is at most one per language), else the
    first one. Remembered per web process and publication with a request (lms.page_memo)."""

    def find() -> CatalogPage | None:
        catalogs = CatalogPage.objects.live()
        return in_locale(catalogs).order_by("path").first() or catalogs.order_by("path").first()

    return page_memo_copy(request, "catalog-page", translation.get_language(), find)


def catalog_courses(
    *,
    catalog: Page,
    track: TrackPage | None = None,
    audience: str = "",
    level: str = "",
    format: str = "",  # noqa: A002 - the field's name
    query: str = "",
) -> list[CoursePage]:
    """The catalogue's live courses matching the filters; with a query, searched with Wagtail search
    (PostgreSQL full-text search on PostgreSQL) and ordered by relevance."""
    courses = CoursePage.objects.live().public().descendant_of(catalog)
    if track is not None:
        courses = courses.child_of(track)
    for name, value in (("audience", audience), ("level", level), ("format", format)):
        if value:
            courses = courses.filter(**{name: value})
    if query:
        normalised = search_query_normalise(query)
        for attempt in dict.fromkeys((normalised, query)):  # the query as typed, if a synonym changed it
            found = list(courses.search(attempt))
            if found:
                return found
        # Full-text search matches whole words (stems): fall back to a substring match of any word, so
        # a part of a word ("прогр", "pyth") still finds something.
        words = set(normalised.split()) | set(query.split())
        if not words:
            return []
        matches = reduce(or_, (Q(title__icontains=word) | Q(summary__icontains=word) for word in words))
        return list(courses.filter(matches).order_by("path"))
    return list(courses.order_by("path"))


# What newcomers type for common technologies: Russian transliterations and colloquialisms, mapped to
# the names the courses use. Whole words only, compared in lower case.
SEARCH_SYNONYMS = {
    "питон": "python",
    "пайтон": "python",
    "пайтоне": "python",
    "питоне": "python",
    "питону": "python",
    "джава": "java",
    "ява": "java",
    "джаве": "java",
    "жс": "javascript",
    "джс": "javascript",
    "js": "javascript",
    "джаваскрипт": "javascript",
    "яваскрипт": "javascript",
    "веб": "web",
    "вэб": "web",
    "сайт": "web",
    "сайты": "web",
    "эсэмэм": "smm",
    "смм": "smm",
    "юнити": "unity",
    "эйчтиэмэль": "html",
    "хтмл": "html",
    "цсс": "css",
    "ксс": "css",
    "скретч": "scratch",
}


def search_query_normalise(query: str) -> str:
    """The catalogue query with every word found in `SEARCH_SYNONYMS` replaced by what the courses call
    it (e.g. «питон» → "python"); other words are kept as typed."""
    return " ".join(SEARCH_SYNONYMS.get(word.lower(), word) for word in query.split())


def catalog_context(*, catalog: CatalogPage, params) -> dict:
    """Everything the catalogue page shows: the tracks, the filter form and the matching courses, each
    course annotated with its track. A fixed number of queries whatever the number of courses."""
    tracks = list(featured_tracks(locale=catalog.locale_id).descendant_of(catalog))
    form = CatalogFilterForm(params or None, tracks=tracks)
    filters: dict = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "track": next((t for t in tracks if t.code == data["track"]), None),
            "audience": data["audience"],
            "level": data["level"],
            "format": data["format"],
            "query": data["q"].strip(),
        }
    courses = catalog_courses(catalog=catalog, **filters)
    tracks_by_path = {track.path: track for track in tracks}
    for course in courses:
        course.track_page = tracks_by_path.get(parent_path(course.path))
    return {
        "tracks": tracks,
        "form": form,
        "courses": courses,
        "filtered": any(filters.values()),
        "query": filters.get("query", ""),
    }


# ---------------------------------------------------------------------------------------------------
# Courses and lessons


def course_lessons(*, course: CoursePage) -> QuerySet[LessonPage]:
    """The live lessons of a course, in order."""
    return LessonPage.objects.live().child_of(course).order_by("path")


def required_lesson_ids(*, course: CoursePage) -> list[int]:
    return list(course_lessons(course=course).filter(required=True).values_list("pk", flat=True))


def enrolment_is_open(*, course: CoursePage, now=None) -> bool:
    """Whether the course's enrolment window is open now (an unset bound is no bound)."""
    now = now or timezone.now()
    if course.enrolment_opens and now < course.enrolment_opens:
        return False
    return not (course.enrolment_closes and now >= course.enrolment_closes)


def active_enrolment_count(*, course: CoursePage) -> int:
    """How many learners are taking the course now (what its capacity limits)."""
    return Enrolment.objects.filter(course=course, status=Enrolment.Status.ACTIVE).count()


def can_view_lessons(*, user, course: CoursePage, enrolment: Enrolment | None = None) -> bool:
    """Lesson bodies are for the course's learners (active or completed), and for staff: editors
    (anyone allowed into the Wagtail admin), teachers, coordinators and administrators."""
    if not getattr(user, "is_authenticated", False):
        return False
    if enrolment is None:
        enrolment = Enrolment.objects.filter(
            user=user, course__translation_key=course.translation_key
        ).first()
    if enrolment is not None and enrolment.status != Enrolment.Status.WITHDRAWN:
        return True
    return user.has_perm("wagtailadmin.access_admin") or user.has_perm(PERM_STAFF)


def is_lesson_learner(*, user, lesson: LessonPage) -> bool:
    """Whether the user is a learner of the lesson's course, in whichever language (enrolments are kept
    on the default language's course, which its translations share a translation key with): enrolled,
    active or completed (not withdrawn). One query."""
    if not getattr(user, "is_authenticated", False):
        return False
    course_key = Page.objects.filter(path=parent_path(lesson.path)).values("translation_key")
    return (
        Enrolment.objects.filter(user=user, course__translation_key__in=course_key)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .exists()
    )


def lesson_activity_ids(*, lesson: LessonPage) -> list[tuple[str, str]]:
    """`(kind, activity_id)` for every activity block of the lesson, in page order: the quiz id of a
    quiz, the exercise's primary key (as a string) of a notebook exercise. Read from the stored
    content, without loading the exercises."""
    activities = []
    for item in lesson.body.raw_data:
        kind = ACTIVITY_BLOCK_TYPES.get(item["type"])
        if kind == ActivityResult.Kind.QUIZ:
            activities.append((kind, str(item["value"]["quiz_id"])))
        elif kind == ActivityResult.Kind.EXERCISE and item["value"].get("exercise"):
            activities.append((kind, str(item["value"]["exercise"])))
    return activities


def quiz_block_value(*, lesson: LessonPage, quiz_id: str):
    """The value of the lesson's quiz block with this id, or None."""
    for block in lesson.body:
        if block.block_type == "quiz" and block.value["quiz_id"] == quiz_id:
            return block.value
    return None


@dataclass
class Progress:
    """A learner's progress through one course."""

    total: int = 0
    done: int = 0
    completed: bool = False
    next_lesson: LessonPage | None = None
    done_ids: set[int] = field(default_factory=set)

    @property
    def percent(self) -> int:
        """The share of required lessons done, so the bar always agrees with "done of total". A
        completed enrolment stays completed (e.g. when lessons were added later) without the bar
        claiming 100 %; only a completed course without required lessons shows 100."""
        if not self.total:
            return 100 if self.completed else 0
        return round(100 * self.done / self.total)

    @property
    def remaining(self) -> int:
        """Required lessons not done yet."""
        return max(self.total - self.done, 0)


def _done_keys(*, user, lessons: list[LessonPage]) -> set:
    """The translation keys of the lessons the learner has completed among `lessons`. Progress is kept
    on the default language's lessons; a translation shares its original's key, so a lesson done in
    one language is done in all."""
    return set(
        LessonProgress.objects.filter(
            user=user,
            lesson__translation_key__in=[lesson.translation_key for lesson in lessons],
            completed_at__isnull=False,
        ).values_list("lesson__translation_key", flat=True)
    )


def _courses_lessons(courses: list[CoursePage], request: HttpRequest | None = None) -> list[LessonPage]:
    """The live lessons of several courses, in tree order (their bodies left out), in one query; with a
    request, remembered per web process and publication (lms.page_memo), each caller getting copies."""

    def lessons() -> tuple[LessonPage, ...]:
        children = reduce(
            or_, (Q(path__startswith=course.path, depth=course.depth + 1) for course in courses)
        )
        return tuple(LessonPage.objects.live().filter(children).defer_streamfields().order_by("path"))

    key = tuple(sorted(course.pk for course in courses))
    return [copy.copy(lesson) for lesson in page_memo(request, "courses-lessons", key, lessons)]


def _progress_for(
    *,
    user,
    courses: list[CoursePage],
    completed_ids: set[int] = frozenset(),
    request: HttpRequest | None = None,
) -> dict:
    """Progress per course id for several courses (in any language), in two queries whatever their
    number (one with a request, once the courses' lessons are remembered)."""
    result = {course.pk: Progress(completed=course.pk in completed_ids) for course in courses}
    if not courses:
        return result
    by_path = {course.path: course.pk for course in courses}
    lessons = _courses_lessons(courses, request)
    done = _done_keys(user=user, lessons=lessons)
    for lesson in lessons:
        progress = result[by_path[parent_path(lesson.path)]]
        lesson.is_done = lesson.translation_key in done
        if lesson.is_done:
            progress.done_ids.add(lesson.pk)
        if lesson.required:
            progress.total += 1
            progress.done += lesson.is_done
        if progress.next_lesson is None and not lesson.is_done:
            progress.next_lesson = lesson
    return result


def course_progress(*, user, course: CoursePage) -> Progress:
    """The share of the course's required lessons the learner has completed, and the next lesson."""
    completed = Enrolment.objects.filter(
        user=user, course__translation_key=course.translation_key, status=Enrolment.Status.COMPLETED
    ).exists()
    return _progress_for(user=user, courses=[course], completed_ids={course.pk} if completed else set())[
        course.pk
    ]


def course_context(*, course: CoursePage, user) -> dict:
    """The course page (in any language): its lessons (with done marks for the learner), the learner's
    enrolment and progress, and whether enrolment is possible. The enrolment is the one on the default
    language's course, whichever translation is read."""
    enrolment = None
    if user.is_authenticated:
        enrolment = (
            Enrolment.objects.filter(user=user, course__translation_key=course.translation_key)
            .select_related("certificate", "course")
            .first()
        )
    lessons = list(course_lessons(course=course))
    progress = None
    if enrolment is not None:
        completed = {course.pk} if enrolment.status == Enrolment.Status.COMPLETED else set()
        progress = _progress_for(user=user, courses=[course], completed_ids=completed)[course.pk]
        for lesson in lessons:
            lesson.is_done = lesson.pk in progress.done_ids
    # Enrolment settings are the original course's: a translation's copy of them may be out of date.
    settings_course = enrolment.course if enrolment is not None else course
    is_open = enrolment_is_open(course=settings_course)
    seats_left = None
    if settings_course.capacity is not None:
        seats_left = max(settings_course.capacity - active_enrolment_count(course=settings_course), 0)
    certificate = getattr(enrolment, "certificate", None) if enrolment else None
    return {
        "lessons": lessons,
        "enrolment": enrolment,
        "progress": progress,
        "certificate": certificate,
        "can_view_lessons": can_view_lessons(user=user, course=course, enrolment=enrolment),
        "enrolment_open": is_open,
        "seats_left": seats_left,
        "can_enrol": is_open and seats_left != 0,
        "track": course.track,
    }


def _quiz_results(*, lesson: LessonPage, user) -> tuple[dict, dict[str, int]]:
    """The learner's quiz results on the lesson (kept on the default language's lesson), in one query (none
    for a lesson without quizzes): quiz id → the latest attempt with per-question correctness and
    explanations, and quiz id → how many attempts were made at it (orders the answers of the next one)."""
    quizzes = {block.value["quiz_id"]: block.value for block in lesson.body if block.block_type == "quiz"}
    if not quizzes or not user.is_authenticated:
        return {}, {}
    feedback: dict = {}
    counts: dict[str, int] = {}
    attempts = QuizAttempt.objects.filter(
        user=user, lesson__translation_key=lesson.translation_key, quiz_id__in=quizzes
    )
    for attempt in attempts.order_by("-created_at", "-pk"):
        counts[attempt.quiz_id] = counts.get(attempt.quiz_id, 0) + 1
        if attempt.quiz_id in feedback:
            continue
        quiz = quizzes[attempt.quiz_id]
        questions = [
            {
                "chosen": attempt.answers.get(str(index), []),
                "correct": correct,
                "explanation": question["explanation"],
            }
            for index, (question, correct) in enumerate(
                zip(quiz["questions"], quiz_marks(quiz, attempt.answers), strict=True)
            )
        ]
        feedback[attempt.quiz_id] = {"attempt": attempt, "questions": questions}
    return feedback, counts


@dataclass(frozen=True)
class LessonLink:
    """A lesson as the lesson page's list of the course's lessons shows it; `is_done` is the reader's."""

    pk: int
    title: str
    translation_key: object
    url: str | None
    is_done: bool = False


def course_outline(*, course: CoursePage, request: HttpRequest | None = None) -> tuple[LessonLink, ...]:
    """The course's live lessons, in order, with their addresses for this request's site. The same for
    every reader until something is published, so remembered per web process (lms.page_memo)."""

    def outline() -> tuple[LessonLink, ...]:
        return tuple(
            LessonLink(
                pk=item.pk, title=item.title, translation_key=item.translation_key, url=item.get_url(request)
            )
            for item in course_lessons(course=course).defer_streamfields()
        )

    host = request.get_host() if request is not None else ""
    return page_memo(request, "course-outline", (course.pk, host, translation.get_language()), outline)


def lesson_context(*, lesson: LessonPage, user, request: HttpRequest | None = None) -> dict:
    """The lesson page (in any language): its course, the course's lessons with done marks, the previous
    and next lesson, and the learner's latest quiz results (kept on the default language's lesson)."""
    course = lesson.course
    outline = course_outline(course=course, request=request)
    done: set = set()
    if user.is_authenticated:
        done = _done_keys(user=user, lessons=[*outline, lesson])
    lessons = [replace(item, is_done=item.translation_key in done) for item in outline]
    quiz_feedback, quiz_attempt_counts = _quiz_results(lesson=lesson, user=user)
    position = next((i for i, item in enumerate(lessons) if item.pk == lesson.pk), None)
    previous_lesson = next_lesson = None
    if position is not None:
        previous_lesson = lessons[position - 1] if position > 0 else None
        next_lesson = lessons[position + 1] if position + 1 < len(lessons) else None
    return {
        "course": course,
        "lessons": lessons,
        "lesson_done": lesson.translation_key in done,
        "previous_lesson": previous_lesson,
        "next_lesson": next_lesson,
        "quiz_feedback": quiz_feedback,
        "quiz_attempt_counts": quiz_attempt_counts,
    }


# ---------------------------------------------------------------------------------------------------
# My learning and certificates


def learner_enrolments(*, user, request: HttpRequest | None = None) -> list[Enrolment]:
    """The learner's current and completed enrolments, newest first, each with `.progress` (a
    `Progress`) and its certificate. A fixed number of queries whatever the number of enrolments."""
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .select_related("course", "certificate")
        .order_by("-created_at", "-pk")
    )
    courses = [enrolment.course for enrolment in enrolments]
    completed = {e.course_id for e in enrolments if e.status == Enrolment.Status.COMPLETED}
    progress = _progress_for(user=user, courses=courses, completed_ids=completed, request=request)
    for enrolment in enrolments:
        enrolment.progress = progress[enrolment.course_id]
    return enrolments


def certificate_for_download(*, user, number: str) -> Certificate | None:
    """The certificate with this number if the user may download it: its owner, and staff who may see
    the learner (answered by the territory rules: see `lyceums.permissions`)."""
    certificate = (
        Certificate.objects.select_related("enrolment__user", "enrolment__course")
        .filter(number=number)
        .first()
    )
    if certificate is None or not getattr(user, "is_authenticated", False):
        return None
    if certificate.enrolment.user_id == user.pk or user.has_perm(
        PERM_VIEW_LEARNER, certificate.enrolment.user
    ):
        return certificate
    return None


def certificate_by_code(*, code: str) -> Certificate | None:
    """The certificate a verification code belongs to, or None."""
    code = (code or "").strip().upper()
    if not code:
        return None
    return Certificate.objects.filter(verification_code=code).first()
