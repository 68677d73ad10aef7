"""`manage.py backup FOLDER`: the database and both media folders into a new folder (see lms.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the PostgreSQL database and the media folders into a new folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="a folder that does not exist yet")

    def handle(self, *args, folder: Path, **options):
        try:
            manifest = backup_create(folder)
        except BackupError as error:
            raise CommandError(str(error)) from None
        files = sum(manifest["media_files"].values())
        self.stdout.write(self.style.SUCCESS(f"Backup written to {folder} ({files} media files)."))
