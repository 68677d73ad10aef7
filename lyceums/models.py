"""The lyceum network: federal subjects, their municipalities (regions), lyceums, study groups, and
the staff assignments that scope what each person may see."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FederalSubject(models.Model):
    """A republic, oblast or krai of the Russian Federation (e.g. the Republic of Tatarstan)."""

    code = models.CharField(_("code"), max_length=16, unique=True, help_text=_("ISO 3166-2, e.g. RU-TA"))
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        verbose_name = _("federal subject")
        verbose_name_plural = _("federal subjects")
        ordering = ["name_ru"]

    def __str__(self) -> str:
        return self.name_ru

    def natural_key(self) -> tuple[str]:
        return (self.code,)


class Region(models.Model):
    """A municipality of a federal subject: a municipal district or an urban okrug."""

    class Kind(models.TextChoices):
        MUNICIPAL_DISTRICT = "municipal_district", _("Municipal district")
        URBAN_OKRUG = "urban_okrug", _("Urban okrug")

    subject = models.ForeignKey(
        FederalSubject, on_delete=models.PROTECT, related_name="regions", verbose_name=_("federal subject")
    )
    code = models.SlugField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    centre_ru = models.CharField(_("administrative centre (Russian)"), max_length=200, blank=True)
    centre_en = models.CharField(_("administrative centre (English)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name_ru"]

    def __str__(self) -> str:
        return self.name_ru

    def natural_key(self) -> tuple[str]:
        return (self.code,)


class Lyceum(models.Model):
    """An IT lyceum (or school) of a municipality."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="lyceums", verbose_name=_("municipality")
    )
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=300)
    address = models.CharField(_("address"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("lyceum")
        verbose_name_plural = _("lyceums")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StudyGroup(models.Model):
    """A class of students at a lyceum for one academic year, usually following one track."""

    lyceum = models.ForeignKey(
        Lyceum, on_delete=models.PROTECT, related_name="groups", verbose_name=_("lyceum")
    )
    name = models.CharField(_("name"), max_length=100)
    academic_year = models.PositiveSmallIntegerField(
        _("academic year"),
        help_text=_("The calendar year the academic year starts in, e.g. 2026 for 2026/27."),
    )
    track = models.ForeignKey(
        "courses.TrackPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="study_groups",
        verbose_name=_("track"),
    )
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="taught_groups", verbose_name=_("teachers")
    )

    class Meta:
        verbose_name = _("study group")
        verbose_name_plural = _("study groups")
        ordering = ["-academic_year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["lyceum", "academic_year", "name"], name="lyceums_group_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.academic_year}/{(self.academic_year + 1) % 100:02d})"


class GroupMembership(models.Model):
    """A student's place in a study group."""

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="memberships")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [models.UniqueConstraint(fields=["group", "student"], name="lyceums_membership_unique")]

    def __str__(self) -> str:
        return f"{self.student} in {self.group}"


class StaffAssignment(models.Model):
    """A role held over a territory: teacher of a lyceum, coordinator of a municipality, or republic
    administrator of a federal subject."""

    class Role(models.TextChoices):
        TEACHER = "teacher", _("Teacher")
        COORDINATOR = "coordinator", _("Regional coordinator")
        REPUBLIC_ADMIN = "republic_admin", _("Republic administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_assignments"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    subject = models.ForeignKey(
        FederalSubject, on_delete=models.CASCADE, null=True, blank=True, related_name="staff_assignments"
    )
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="staff_assignments"
    )
    lyceum = models.ForeignKey(
        Lyceum, on_delete=models.CASCADE, null=True, blank=True, related_name="staff_assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff assignment")
        verbose_name_plural = _("staff assignments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="teacher", lyceum__isnull=False, region__isnull=True)
                    | Q(role="coordinator", region__isnull=False, lyceum__isnull=True)
                    | Q(role="republic_admin", region__isnull=True, lyceum__isnull=True)
                ),
                name="lyceums_assignment_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "lyceum"],
                name="lyceums_assignment_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.lyceum or self.region or self.subject or ''}"


# ---------------------------------------------------------------------------------------------------
# Plans, imports and the pre-aggregated statistics the dashboards read


class EnrolmentPlan(models.Model):
    """How many enrolments a coordinator plans for a lyceum in a track in a calendar year."""

    lyceum = models.ForeignKey(
        Lyceum, on_delete=models.CASCADE, related_name="plans", verbose_name=_("lyceum")
    )
    track = models.ForeignKey(
        "courses.TrackPage", on_delete=models.CASCADE, related_name="enrolment_plans", verbose_name=_("track")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    planned_enrolments = models.PositiveIntegerField(_("planned enrolments"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("enrolment plan")
        verbose_name_plural = _("enrolment plans")
        constraints = [
            models.UniqueConstraint(fields=["lyceum", "track", "year"], name="lyceums_plan_unique")
        ]

    def __str__(self) -> str:
        return f"{self.lyceum} — {self.track} — {self.year}: {self.planned_enrolments}"


class ImportJob(models.Model):
    """One upload of a roster file: parsed into a preview, then committed all-or-nothing."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Checked, waiting for confirmation")
        INVALID = "invalid", _("Has errors")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    lyceum = models.ForeignKey(Lyceum, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    file_name = models.CharField(_("file"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEW)
    rows = models.JSONField(default=list, help_text=_("The parsed, validated rows."))
    errors = models.JSONField(default=list)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class LyceumStats(models.Model):
    """Pre-aggregated totals of one lyceum (student courses, plus teacher retraining), rebuilt by
    `lyceums.stats.stats_refresh`. Dashboards read these rows, never the enrolments."""

    lyceum = models.OneToOneField(Lyceum, on_delete=models.CASCADE, related_name="stats")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="lyceum_stats")
    learners = models.PositiveIntegerField(default=0)
    active_7d = models.PositiveIntegerField(default=0)
    active_30d = models.PositiveIntegerField(default=0)
    enrolments = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)
    at_risk = models.PositiveIntegerField(
        default=0, help_text=_("Learners inactive for 14 days or behind schedule in an active course.")
    )
    behind_schedule = models.PositiveIntegerField(
        default=0, help_text=_("Learners still active in a course after its expected length.")
    )
    score_sum = models.FloatField(
        default=0, help_text=_("Sum of exercise scores, in per cent of the maximum.")
    )
    score_count = models.PositiveIntegerField(default=0)
    teachers_enrolled = models.PositiveIntegerField(default=0)
    teachers_completed = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("lyceum statistics")
        verbose_name_plural = _("lyceum statistics")

    def __str__(self) -> str:
        return f"{self.lyceum_id}: {self.enrolments}/{self.completions}"


class LyceumTrackStats(models.Model):
    """Enrolments and completions of one lyceum in one track, by calendar year of enrolment."""

    lyceum = models.ForeignKey(Lyceum, on_delete=models.CASCADE, related_name="track_stats")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="track_stats")
    track = models.ForeignKey("courses.TrackPage", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    enrolments = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lyceum", "track", "year"], name="lyceums_trackstats_unique")
        ]

    def __str__(self) -> str:
        return f"{self.lyceum_id}/{self.track_id}/{self.year}"


class LyceumMonthStats(models.Model):
    """Enrolments started and completions reached in one lyceum in one month."""

    lyceum = models.ForeignKey(Lyceum, on_delete=models.CASCADE, related_name="month_stats")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="month_stats")
    month = models.DateField(help_text=_("The first day of the month."))
    enrolments = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lyceum", "month"], name="lyceums_monthstats_unique")]
        indexes = [models.Index(fields=["region", "month"])]

    def __str__(self) -> str:
        return f"{self.lyceum_id}/{self.month:%Y-%m}"


# ---------------------------------------------------------------------------------------------------
# Who looked at whose personal data (152-FZ): written by `lyceums.access_log.record_access`


class PersonalDataAccess(models.Model):
    """One look by a member of staff at a learner's personal data: a learner page, a submission or its
    notebook, a gradebook, a certificate, an export naming learners, a person's account in the Wagtail or
    Django admin. Never edited; republic
    administrators read it. An export or a gradebook covers a group, so `learner` may be empty and
    `detail` says what was seen."""

    class Action(models.TextChoices):
        LEARNER_PAGE = "learner_page", _("Learner page")
        SUBMISSION = "submission", _("Submission")
        NOTEBOOK = "notebook", _("Notebook")
        GRADEBOOK = "gradebook", _("Gradebook")
        EXPORT = "export", _("Export of personal data")
        CERTIFICATE = "certificate", _("Certificate")
        ACCOUNT = "account", _("Account in the administration")

    accessed_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="personal_data_accesses",
        verbose_name=_("who"),
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("learner"),
    )
    action = models.CharField(_("what"), max_length=16, choices=Action.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    path = models.CharField(_("address"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-accessed_at", "-pk"]
        indexes = [
            models.Index(fields=["learner", "accessed_at"]),
            models.Index(fields=["staff", "accessed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.accessed_at:%Y-%m-%d %H:%M} {self.staff_id} {self.action} {self.learner_id}"
