"""Demo exercises: one real auto-graded notebook exercise in the practice lesson of each demo course.

The exercises are written in Russian, and their language is Russian, so the starter notebooks mark the
learner's place with «# ВАШ КОД ЗДЕСЬ» (`grading.engines.stubs`). The course translated into Tatar (the
teachers' course) has no exercise; a Tatar page shows the exercise of its Russian original."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from wagtail.rich_text import RichText

from common.pages import in_default_locale
from courses.models import CoursePage, LessonPage
from grading.models import Exercise
from grading.services import exercise_create, exercise_set_notebook

from .courses import EXERCISE_LESSONS

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


def demo_notebook(name: str) -> bytes:
    """The instructor notebook `demo/notebooks/<name>.ipynb`, as bytes."""
    return (NOTEBOOKS / f"{name}.ipynb").read_bytes()


# course slug → (exercise slug, title, notebook in demo/notebooks, introduction)
DEMO_EXERCISES: dict[str, tuple[str, str, str, str]] = {
    "intro-web-development": (
        "web-html-functions",
        "Генерируем HTML на Python",
        "web_html_functions",
        "Напишите функции, которые безопасно собирают ссылки, списки и адреса страниц.",
    ),
    "python-game-development": (
        "game-logic",
        "Логика игры: границы поля, столкновения и комбо",
        "game_logic",
        "Запишите правила небольшой аркадной игры в виде функций на Python.",
    ),
    "smm-basics": (
        "smm-engagement",
        "Расчёт вовлечённости",
        "smm_engagement",
        "Посчитайте коэффициент вовлечённости, найдите лучший пост и оцените прирост подписчиков.",
    ),
}
FALLBACK = "intro-web-development"
LANGUAGE = "ru"


def _exercise_for(course_slug: str) -> Exercise:
    """The demo exercise of a course, created from its notebook; an exercise seeded from an older version
    of the notebook (the English one, say) or in another language gets the current notebook, released
    in Russian."""
    slug, title, notebook, _intro = DEMO_EXERCISES.get(course_slug, DEMO_EXERCISES[FALLBACK])
    source = demo_notebook(notebook)
    exercise = Exercise.objects.filter(slug=slug).first()
    if exercise is None:
        return exercise_create(
            title=title, slug=slug, source=source, description=_intro, max_attempts=None, language=LANGUAGE
        )
    if exercise.language != LANGUAGE or _stored_source(exercise) != source:
        exercise.language = LANGUAGE
        exercise_set_notebook(exercise=exercise, source=source)
    return exercise


def _stored_source(exercise: Exercise) -> bytes | None:
    if not exercise.source_notebook:
        return None
    try:
        with exercise.source_notebook.open("rb") as handle:
            return handle.read()
    except OSError:  # the file is gone from storage: store it again
        return None


@transaction.atomic
def seed_exercises() -> list[Exercise]:
    """Create the demo exercises and put each into its course's practice lesson (published).
    Idempotent: an exercise or block that already exists is left as it is."""
    exercises = []
    for course_slug, lesson_slug in EXERCISE_LESSONS.items():
        exercise = _exercise_for(course_slug)
        exercises.append(exercise)
        course = in_default_locale(CoursePage.objects.filter(slug=course_slug)).first()
        if course is None:
            continue
        lesson = LessonPage.objects.child_of(course).filter(slug=lesson_slug).first()
        if lesson is None:
            continue
        lesson = lesson.specific
        already = any(
            block.block_type == "notebook_exercise"
            and block.value["exercise"]
            and block.value["exercise"].pk == exercise.pk
            for block in lesson.body
        )
        if already:
            continue
        intro = DEMO_EXERCISES.get(course_slug, DEMO_EXERCISES[FALLBACK])[3]
        lesson.body.append(
            ("notebook_exercise", {"exercise": exercise, "intro": RichText(f"<p>{intro}</p>")})
        )
        lesson.save_revision().publish()
    return exercises
