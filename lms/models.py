"""Accounts: a custom user whose login is the e-mail address."""

import datetime
import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def normalize_email_address(value: str) -> str:
    """The one form in which an e-mail address is stored and looked up: NFKC-normalised, stripped,
    lower-case. Raises `ValidationError` for an address that could pass for another one: a local part
    (before the @) with a non-ASCII letter, or a domain with a letter whose upper and lower case do not
    map back to it (the dotless «ı» becomes «I», then «i»). The database compares addresses
    case-insensitively by upper-casing them, so `admın@…` would otherwise match `admin@…`."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    local, at, domain = value.rpartition("@")
    if not at:
        return value.lower()
    local = local.lower()
    domain = unicodedata.normalize("NFKC", domain.lower())
    if not local.isascii():
        raise ValidationError(
            _("Use only Latin letters, digits and punctuation before the @ in an e-mail address."),
            code="email_non_ascii",
        )
    if any(char.upper().lower() != char for char in domain):
        raise ValidationError(
            _("The domain of this e-mail address contains a letter that can pass for another one."),
            code="email_ambiguous_domain",
        )
    return f"{local}@{domain}"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """See `normalize_email_address`."""
        return normalize_email_address(email or "")

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str) -> "User":
        """The user with this address, compared in its normalised form (exactly: the database's
        case-insensitive comparison would take a look-alike for the real address)."""
        try:
            email = normalize_email_address(username)
        except ValidationError:
            raise self.model.DoesNotExist from None
        return self.get(email=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person using the platform: student, teacher, coordinator, editor or administrator. What they
    may see is decided by their staff assignments (see `lyceums.scoping`), not by fields here."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        help_text=_("Known from a roster import; the birth date, once given, sets it."),
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    guardian_email = models.EmailField(
        _("parent's or guardian's e-mail address"),
        blank=True,
        help_text=_("Of a learner under 14: where the link to confirm the consent to processing goes."),
    )
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("May log in to the administration site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    last_activity = models.DateTimeField(_("last activity"), null=True, blank=True, db_index=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="lms_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    # Wagtail's admin and allauth look these up.
    @property
    def first_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else ""

    @property
    def last_name(self) -> str:
        return " ".join(self.full_name.split(" ")[1:]) if self.full_name else ""

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email

    def clean(self) -> None:
        super().clean()
        try:
            self.email = normalize_email_address(self.email)
        except ValidationError as error:
            raise ValidationError({"email": error.messages}) from None

    def is_younger_than(self, years: int, *, today: datetime.date | None = None) -> bool:
        """Whether the person is under *years* of age today: from the birth date, or, when only the
        birth year is known (a roster import), whenever they may be (the cautious reading). False when
        neither is known."""
        today = today or timezone.localdate()
        if self.birth_date is not None:
            return age_on(self.birth_date, today) < years
        if self.birth_year is not None:
            return today.year - self.birth_year <= years
        return False


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Full years of age on *day* of someone born on *birth_date* (29 February counts from 1 March)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class Consent(models.Model):
    """A consent to the processing of a person's personal data under one version of the personal-data
    policy: the person's own (given at registration or at log-in) or, for a learner under 14, their
    parent's or guardian's (given through the e-mailed link). Kept as given, never edited: a new policy
    version needs new rows."""

    class Kind(models.TextChoices):
        OWN = "own", _("The person's own")
        GUARDIAN = "guardian", _("A parent's or guardian's")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="consents"
    )
    kind = models.CharField(_("given by"), max_length=10, choices=Kind.choices, default=Kind.OWN)
    policy_version = models.CharField(_("policy version"), max_length=50)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    guardian_email = models.EmailField(_("parent's or guardian's e-mail address"), blank=True)

    class Meta:
        verbose_name = _("consent to processing")
        verbose_name_plural = _("consents to processing")
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "policy_version"], name="lms_consent_one_per_kind_and_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.policy_version}"
