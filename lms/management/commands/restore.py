"""`manage.py restore FOLDER`: a backup into an empty database and empty media folders (see lms.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database and empty media folders."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="the backup's folder")

    def handle(self, *args, folder: Path, **options):
        try:
            manifest = backup_restore(folder)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']}. Run `manage.py migrate` if this code "
                "is newer than the backup."
            )
        )
