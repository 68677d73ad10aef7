"""`manage.py grade SOURCE.ipynb SUBMISSION.ipynb --json [--engine NAME] [--language ru]`: grade one
notebook pair, with the tamper flags of the submitted code (`grading.tamper`)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grading.engines import engine_names, get_engine
from grading.tamper import graded_with_flags


class Command(BaseCommand):
    help = "Grade a submitted notebook against an nbgrader instructor notebook."

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", help="the instructor (nbgrader source) notebook")
        parser.add_argument("submission", help="the submitted notebook")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
        parser.add_argument(
            "--engine", default=None, help=f"grading engine: one of {', '.join(engine_names())}"
        )
        parser.add_argument(
            "--data-file", action="append", default=[], help="a file the tests read (may repeat)"
        )
        parser.add_argument(
            "--language",
            default=None,
            help="the exercise's language, whose stubs replaced the solutions in the starter notebook "
            "(ru, tt; default: nbgrader's English ones)",
        )

    def handle(self, *args, **options) -> None:
        try:
            engine = get_engine(options["engine"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            source = Path(options["source"]).read_bytes()
            submission = Path(options["submission"]).read_bytes()
            files = {Path(p).name: Path(p).read_bytes() for p in options["data_file"]}
        except OSError as exc:
            raise CommandError(str(exc)) from None
        result = graded_with_flags(
            engine,
            source=source,
            submission=submission,
            files=files,
            feedback=False,
            language=options["language"],
        )
        contract = result.as_contract()
        if options["json"]:
            self.stdout.write(json.dumps(contract))
            return
        self.stdout.write(f"{contract['status']}: {contract['score']:g} / {contract['max_score']:g}")
        for cell in contract["cells"]:
            self.stdout.write(f"  {cell['grade_id']}: {cell['score']:g} / {cell['max_score']:g}")
        if contract["error"]:
            self.stdout.write(f"error: {contract['error']}")
        for flag in contract["flags"]:
            self.stdout.write(f"flag: {flag['cell']}, line {flag['line']}: {flag['reason']}")
