"""Plain descriptions of demo courses and lessons, turned into Wagtail pages by `demo.courses.seed`."""

from __future__ import annotations

from dataclasses import dataclass, field

PRACTICE_SLUG = "practice"


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: str
    summary: str
    body: list[dict]
    duration_minutes: int = 45


@dataclass(frozen=True)
class Course:
    track: str
    slug: str
    title: str
    summary: str
    description: str
    lessons: list[Lesson] = field(default_factory=list)
    audience: str = "students"
    level: str = "beginner"
    format: str = "distance"
    duration_hours: int = 36
