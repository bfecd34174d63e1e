import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)

from intimacy.accounts.models import Couple, Invite, Membership, User
from intimacy.lib.crypto import decrypt

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Faker("first_name")
    time_zone = "Europe/London"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def mfa(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Coaches and staff have an authenticator app, as the app requires (mfa=False: not)."""
        if create and (self.is_coach or self.is_staff) and extracted is not False:
            TOTP.activate(self, generate_totp_secret())


def make_couple(first: User, second: User | None = None) -> Couple:
    """A couple as the services leave it: paired when given two people, else pending."""
    from intimacy.accounts import services

    couple = services.couple_create(user=first)
    if second is not None:
        invite = Invite.objects.get(couple=couple, status=Invite.Status.OPEN)
        services.couple_join(invite=invite, user=second)
        couple.refresh_from_db()
    return couple


__all__ = ["PASSWORD", "Couple", "Membership", "UserFactory", "make_couple"]


def current_code(email: str) -> str:
    """What the person's authenticator app shows now (their secret, read as the app does)."""
    totp = Authenticator.objects.get(user__email=email, type=Authenticator.Type.TOTP)
    return code_for(decrypt(totp.data["secret"]))


def code_for(secret: str) -> str:
    """The code an app holding this secret shows now. A code is good for its 30 seconds only
    (no tolerance): near the end of one, wait for the next, or a slow test types a stale one."""
    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left + 0.1)
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))
