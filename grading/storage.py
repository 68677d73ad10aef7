"""Private file storage for notebooks: never served by the web server, readable only by the portal's
own user (files 0600, directories 0700), so the grading sandbox's unprivileged user cannot read the
instructor's source or other learners' submissions even if it escaped its directory."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    """`FileSystemStorage` rooted at `PRIVATE_MEDIA_ROOT`, read at every use (tests move it)."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self):  # type: ignore[override]
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):  # type: ignore[override]
        import os

        return os.path.abspath(self.base_location)

    @property
    def base_url(self):  # type: ignore[override]
        return None


def private_storage() -> PrivateStorage:
    return PrivateStorage()
