"""Run the demo in the foreground: the processes of Procfile.demo (portal, Celery worker and beat,
JupyterHub) under honcho. Ctrl-C stops them all."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from honcho.environ import parse_procfile
from honcho.manager import Manager
from honcho.printer import Printer

from demo.accounts import demo_accounts_table

DEMO_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Print the demo address and accounts, then run every process of Procfile.demo until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument(
            "--procfile",
            default=str(settings.BASE_DIR / "Procfile.demo"),
            help="The process list to run (default: Procfile.demo at the project root).",
        )
        parser.add_argument(
            "--only", default="", help="Comma-separated process names to run, e.g. web,worker (default: all)."
        )

    def handle(self, *args, procfile: str, only: str, **options):
        path = Path(procfile)
        if not path.is_file():
            raise CommandError(f"No process list at {path}.")
        processes = parse_procfile(path.read_text()).processes
        if only:
            wanted = [name.strip() for name in only.split(",") if name.strip()]
            unknown = sorted(set(wanted) - set(processes))
            if unknown:
                raise CommandError(
                    f"Unknown process(es) {', '.join(unknown)}; {path.name} has {', '.join(processes)}."
                )
            processes = {name: command for name, command in processes.items() if name in wanted}
        if not processes:
            raise CommandError(f"{path} lists no processes.")

        self.stdout.write(
            self.style.SUCCESS(f"IT-Lyceum demo: {DEMO_URL}  (Wagtail admin: {DEMO_URL}admin/)")
        )
        self.stdout.write(demo_accounts_table())
        self.stdout.write(
            "E-mails (registration confirmations, password resets) are printed here by the web process."
        )
        self.stdout.write(f"Starting {', '.join(processes)}; press Ctrl-C to stop them all.\n")
        self.stdout.flush()

        environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
        manager = Manager(Printer(output=sys.stdout))
        for name, command in processes.items():
            manager.add_process(name, command, env=environment, cwd=str(path.resolve().parent))
        manager.loop()
        if manager.returncode:
            sys.exit(manager.returncode)
