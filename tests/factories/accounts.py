"""People and their consents to the processing of personal data."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from lms.consent import needs_guardian, policy_current
from lms.models import Consent


class UserFactory(factory.django.DjangoModelFactory):
    """An active account; asking twice for one e-mail address returns the same person.

    When a personal-data policy is published, the person has consented to it (and, under 14, so has a
    parent), as every account that got past registration has: tests that are not about consent sign in
    straight to their pages. `consented=False` builds someone who has not."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)
        skip_postgeneration_save = True  # the consent hook saves what it changes itself

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="ru_RU")
    password = factory.django.Password("password")

    @factory.post_generation
    def consented(self, create: bool, extracted: bool | None, **kwargs) -> None:
        policy = policy_current()
        if not create or extracted is False or policy is None:
            return
        ConsentFactory(user=self, policy_version=policy.version)
        if needs_guardian(self):
            if not self.guardian_email:
                self.guardian_email = f"parent.{self.email}"
                self.save(update_fields=["guardian_email"])
            ConsentFactory(
                user=self,
                kind=Consent.Kind.GUARDIAN,
                policy_version=policy.version,
                guardian_email=self.guardian_email,
            )


class ConsentFactory(factory.django.DjangoModelFactory):
    """The person's own consent to a policy version (from a loopback address)."""

    class Meta:
        model = Consent
        django_get_or_create = ("user", "kind", "policy_version")

    user = factory.SubFactory(UserFactory, consented=False)
    kind = Consent.Kind.OWN
    policy_version = "1"
    ip_address = "127.0.0.1"
