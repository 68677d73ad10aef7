from io import BytesIO

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.utils.translation import gettext_lazy as _

from common.pages import in_default_locale
from courses.models import TrackPage

from .imports import file_too_large_message


class PlanForm(forms.Form):
    track = forms.ModelChoiceField(
        label=_("Track"), queryset=in_default_locale(TrackPage.objects.order_by("sort_order", "title"))
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    planned_enrolments = forms.IntegerField(label=_("Planned enrolments"), min_value=0, max_value=1_000_000)


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (CSV or XLSX)"),
        help_text=_(
            "Columns: full name, e-mail, birth year, lyceum code, group, role (student or teacher), "
            "language of the invitation e-mail (ru, tt or en; optional). Russian headers are accepted: "
            "ФИО, Эл. почта, Год рождения, Код лицея, Группа, Роль, Язык."
        ),
    )

    @classmethod
    def refused(cls, message: str) -> "RosterUploadForm":
        """A form showing `message` on the file field, for an upload refused before it was read."""
        form = cls(data={}, files={})
        form.full_clean()
        form.errors["file"] = form.error_class([message])
        return form

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.LYCEUM_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(file_too_large_message(size=upload.size, limit=limit))
        return upload


class RosterUploadHandler(FileUploadHandler):
    """Receives a roster upload in memory, never on disk, keeping at most `limit` bytes of it.

    Data past the limit is counted and dropped: the uploaded file reports its full size and
    `RosterUploadForm` refuses it, so a too large file is never stored or read."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = BytesIO()
        self.received = 0
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received <= self.limit:
            self.file.write(raw_data)

    def file_complete(self, file_size):
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
