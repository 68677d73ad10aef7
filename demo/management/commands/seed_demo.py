"""Load the demo: accounts, the course catalogue, notebook exercises and the lyceum network."""

from __future__ import annotations

import logging
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from content.services import site_structure_ensure
from demo.accounts import demo_accounts_table, ensure_demo_accounts
from demo.courses import seed_courses
from demo.exercises import seed_exercises
from demo.network import seed_network
from demo.privacy import seed_privacy_policy
from demo.translations import seed_translations

NOISY_LOGGERS = ["django_tasks", "wagtail", "modelsearch"]


@contextmanager
def quiet_loggers(names: list[str]):
    saved = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


class Command(BaseCommand):
    help = "Create the demo accounts and demo content. Safe to run again: nothing is duplicated."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off (the demo accounts share a known password).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not (settings.DEBUG or force):
            raise CommandError(
                "Refusing to load demo data with DEBUG off: the demo accounts share a published "
                "password. Pass --force if this really is a demo installation."
            )
        with quiet_loggers(NOISY_LOGGERS):
            self.stdout.write("Site pages…")
            site_structure_ensure()
            self.stdout.write("Demo accounts…")
            accounts = ensure_demo_accounts()
            self.stdout.write("Personal data policy…")
            seed_privacy_policy(accounts)
            self.stdout.write("Course catalogue…")
            result = seed_courses()
            self.stdout.write(
                f"  created {result.tracks} tracks, {result.courses} courses, {result.lessons} lessons"
            )
            self.stdout.write("Notebook exercises…")
            exercises = seed_exercises()
            self.stdout.write(f"  {len(exercises)} exercises in their practice lessons")
            self.stdout.write("Lyceum network…")
            network = seed_network()
            self.stdout.write(
                f"  {network['lyceums']} lyceums, {network['learners']} learners created, "
                f"{network['enrolments']} enrolments"
            )
            self.stdout.write("Tatar pages…")
            translations = seed_translations()
            self.stdout.write(
                f"  {translations.aliases} pages mirrored, {translations.translated} translated into Tatar"
            )
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(demo_accounts_table())
