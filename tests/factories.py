import datetime as dt
import time

import factory
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from checkins import services as checkins
from checkins.models import CheckIn, Rhythm
from intimacy.accounts.models import Couple, Invite, Membership, User
from intimacy.lib.crypto import decrypt
from prompts.models import Kind, Layer, Prompt, PromptSet, PromptSetItem, Status

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

# A check-in's private note: tests look for it where it must never appear.
CANARY = "CANARY-private-7f3a91"


def submit(user: User, **overrides: object) -> CheckIn:
    """A check-in of today, through the service, with every field filled in."""
    fields = {
        "weather": "rainy",
        "energy": 2,
        "needs": ["comfort"],
        "tags": ["work"],
        "note_to_partner": "Long day, hug later?",
        "private_note": CANARY,
        "disclosure": "all",
    }
    return checkins.checkin_submit(author=user, **{**fields, **overrides})


# A weekly review answered in full: what submitting needs.
FULL = {
    "appreciations": "You made soup when I was ill",
    "went_well": "Saturday walk",
    "hard_moment": "",
    "unspoken_need": "More quiet mornings",
    "feel_loved": "Ask me about my day",
    "more_time": ["hard_moment"],
    "repair": "no",
    "repair_what": "",
    **{
        f"{k}_{layer}": v
        for layer in ("emotional", "physical", "intellectual", "digital")
        for k, v in (("felt", 3), ("wished", 5))
    },
}


def rhythm_for(couple: Couple, **overrides: object) -> Rhythm:
    """The couple's weekly review rhythm: Sundays at 19:00 in London, unless overridden."""
    fields = {
        "weekday": 6,
        "local_time": dt.time(19),
        "duration_minutes": 30,
        "time_zone": "Europe/London",
    }
    return checkins.rhythm_set(couple=couple, **{**fields, **overrides})


def make_set(slug: str, depths: list[str], *, default: bool = False) -> PromptSet:
    """A published prompt set with one prompt of each depth given ("<slug> prompt <n>")."""
    prompt_set = PromptSet.objects.create(
        title=slug.title(), slug=slug, status=Status.PUBLISHED, is_default=default
    )
    for n, depth in enumerate(depths, start=1):
        prompt = Prompt.objects.create(
            text=f"{slug} prompt {n}",
            kind=Kind.QUESTION,
            layer=Layer.EMOTIONAL,
            depth=depth,
            minutes=5,
            status=Status.PUBLISHED,
        )
        PromptSetItem.objects.create(prompt_set=prompt_set, prompt=prompt, position=n)
    return prompt_set


def at(*args: int) -> time_machine.travel:
    """Time stopped at a UTC moment: `with at(2026, 11, 21, 20, 0): ...`."""
    return time_machine.travel(dt.datetime(*args, tzinfo=dt.UTC), tick=False)


def login_redirect(response: object, url: str) -> bool:
    """The response sends an anonymous visitor to the login page, and back to `url` after."""
    return response.status_code == 302 and response.url == f"{reverse('account_login')}?next={url}"


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
