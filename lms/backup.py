"""Backup and restore of a deployment: the PostgreSQL database and both media folders (public uploads and
private files: notebooks, submissions, data files).

A backup is a folder holding `database.dump` (pg_dump's custom format, without owners or grants, so it
restores under any role), `media.tar.gz`, `private.tar.gz` and `manifest.json` (format, time, the
migrations it was taken at, and a SHA-256 of every file). It is written under a temporary name and
renamed when complete, so a failed backup never looks like a good one.

Restore checks every file against the manifest first and refuses a database that already has tables or
a media folder that already has files: it only fills an empty deployment. It unpacks the media beside
their targets, restores the database in one transaction, and only then moves the media in, so a failure
at any step leaves the database and the media folders as empty as they were. Run `manage.py migrate`
afterwards when the code is newer than the backup.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
DATABASE_FILE = "database.dump"
ARCHIVES = {"media.tar.gz": "MEDIA_ROOT", "private.tar.gz": "PRIVATE_MEDIA_ROOT"}
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """The backup or restore cannot be done; nothing was changed."""


def _require_postgres() -> dict:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        raise BackupError(
            "Backup and restore work with PostgreSQL (DATABASE_URL=postgres://...); a SQLite "
            "development database is one file under var/ that can be copied while nothing runs."
        )
    return db


def _pg_args(db: dict) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore; the password travels in the environment, never on
    the command line."""
    args = [f"--dbname={db['NAME']}"]
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client).")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _migrations() -> dict[str, str]:
    """The last applied migration of every app."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, name), name)
    return dict(sorted(latest.items()))


def _pack(folder: Path, archive: Path) -> int:
    """Packs the regular files of *folder* (symbolic links are left out); returns how many."""
    count = 0
    with tarfile.open(archive, "w:gz") as tar:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
                    count += 1
    return count


def backup_create(output: Path) -> dict:
    """Writes a backup into the new folder *output*; returns its manifest."""
    db = _require_postgres()
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output} already exists: choose a new folder for the backup.")
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    try:
        args, env = _pg_args(db)
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args,
             f"--file={staging / DATABASE_FILE}"],
            env,
        )  # fmt: skip
        files = {name: _pack(Path(getattr(settings, key)), staging / name) for name, key in ARCHIVES.items()}
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "migrations": _migrations(),
            "media_files": files,
            "sha256": {name: _sha256(staging / name) for name in (DATABASE_FILE, *ARCHIVES)},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        staging.rename(output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{source} is not a backup (no readable {MANIFEST}: {error}).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')!r} is not supported (expected {FORMAT}).")
    for name in (DATABASE_FILE, *ARCHIVES):
        path = source / name
        if not path.is_file() or _sha256(path) != manifest.get("sha256", {}).get(name):
            raise BackupError(f"{name} is missing or damaged (its checksum differs from the manifest).")
    return manifest


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        return cursor.fetchone()[0] == 0


def _unpack_beside(archive: Path, target: Path) -> Path:
    """Unpacks *archive* into a new folder beside *target* and returns it. Only regular files and folders
    inside the archive's root are accepted (tarfile's "data" filter)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-restore-", dir=target.parent))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(staging, filter="data")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def backup_restore(source: Path) -> dict:
    """Restores the backup in *source* into this deployment's empty database and media folders."""
    db = _require_postgres()
    source = Path(source)
    manifest = _read_manifest(source)
    if not _database_is_empty():
        raise BackupError(f"The database {db['NAME']} is not empty: restore only into a new, empty database.")
    targets = {name: Path(getattr(settings, setting)) for name, setting in ARCHIVES.items()}
    for target in targets.values():
        if target.exists() and any(target.iterdir()):
            raise BackupError(f"{target} is not empty: restore only into empty media folders.")
    staged: dict[Path, Path] = {}
    try:
        # Media first, beside their targets: a damaged archive fails before the database is touched.
        for name, target in targets.items():
            staged[target] = _unpack_beside(source / name, target)
        args, env = _pg_args(db)
        connection.close()
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
             *args, str(source / DATABASE_FILE)],
            env,
        )  # fmt: skip
    except BaseException:
        for folder in staged.values():
            shutil.rmtree(folder, ignore_errors=True)
        raise
    for target, folder in staged.items():
        if target.exists():
            target.rmdir()  # checked empty above
        folder.rename(target)
    return manifest
