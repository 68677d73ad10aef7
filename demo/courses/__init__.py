"""Demo content of the course catalogue: every digital-economy track, fully written courses for students
and teachers, and a short course for every other track. Written in Russian, the site's default language."""

from .seed import ALL_COURSES, EXERCISE_LESSONS, FULL_COURSES, SeedResult, seed_courses
from .tracks import TRACKS

__all__ = ["ALL_COURSES", "EXERCISE_LESSONS", "FULL_COURSES", "TRACKS", "SeedResult", "seed_courses"]
