"""Demo couples with a realistic history, for trying the app, screenshots and benchmarks."""

import datetime as dt
import random
from collections.abc import Iterator

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from intimacy.accounts.models import Couple, Membership, User
from intimacy.lib.dates import day_end
from prompts.models import Layer

from .models import CheckIn, Habit, Need, Reaction, Review, ReviewAnswer, Rhythm, Tag, Weather

# Demo accounts are for development and benchmarks; the command refuses production.
DEMO_PASSWORD = "demo-password"  # noqa: S105
DEMO_DOMAIN = "demo.example.org"
BATCH = 5000

NAMES = [
    "Ada",
    "Bea",
    "Cal",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jun",
    "Kai",
    "Lea",
    "Mo",
    "Nia",
    "Oli",
    "Pia",
    "Quinn",
    "Ravi",
    "Sam",
    "Tess",
    "Uma",
    "Vic",
    "Wren",
    "Xavi",
    "Yara",
    "Zoe",
]
# Pairs of zones: most couples share one, some live apart.
ZONES = [
    ("Europe/London", "Europe/London"),
    ("Europe/Paris", "Europe/Paris"),
    ("America/New_York", "America/New_York"),
    ("America/Los_Angeles", "America/Los_Angeles"),
    ("Asia/Tokyo", "Asia/Tokyo"),
    ("Australia/Sydney", "Australia/Sydney"),
    ("Europe/Berlin", "America/Chicago"),
    ("Pacific/Auckland", "Pacific/Honolulu"),
    ("Asia/Kolkata", "Europe/London"),
]
NOTES = [
    "Thinking of you between meetings.",
    "Can we have a slow evening tonight?",
    "Thank you for making breakfast.",
    "Long day, I might be quiet later.",
    "Miss you. Call when you can?",
    "That walk yesterday was lovely.",
    "I'll pick up groceries on the way home.",
    "Sorry I was short with you this morning.",
]
PRIVATE = [
    "Feeling stretched thin and not sure how to say it yet.",
    "Worried about money again.",
    "I want more time for myself this week.",
    "Slept badly; everything feels heavier.",
    "Proud of how I handled that conversation.",
]
WEATHERS = list(Weather.values)
APPRECIATIONS = [
    "You listened without fixing.",
    "The tea you brought me every morning.",
    "How you handled the call with your mother.",
    "That you made me laugh on a grim day.",
]
WENT_WELL = ["Our Saturday walk.", "We cooked together twice.", "We talked before sleeping."]
FEEL_LOVED = ["Ask me how the week went.", "A long hug after work.", "Plan one evening for us."]


def _weather_walk(rng: random.Random, days: int) -> Iterator[tuple[str, int]]:
    """A mood that drifts from day to day, with energy loosely following it."""
    level = rng.uniform(1.5, 4.5)
    for _ in range(days):
        level = min(6.0, max(0.0, level + rng.gauss(0, 0.9) + (1.8 - level) * 0.15))
        weather = WEATHERS[round(level)]
        energy = min(5, max(1, round(5 - level * 0.6 + rng.gauss(0, 0.8))))
        yield weather, energy


def _checkin(
    rng: random.Random, user: User, couple: Couple, day: dt.date, weather: str, energy: int
) -> CheckIn:
    at = timezone.now()
    return CheckIn(
        author=user,
        couple=couple,
        local_date=day,
        day_ends_at=day_end(user.time_zone, day),
        weather=weather,
        energy=energy,
        needs=rng.sample(Need.values, k=rng.choice([0, 0, 1, 1, 2])),
        tags=rng.sample(Tag.values, k=rng.choice([0, 1, 1, 2])),
        note_to_partner=rng.choice(NOTES) if rng.random() < 0.25 else "",
        private_note=rng.choice(PRIVATE) if rng.random() < 0.1 else "",
        disclosure=rng.choices(["weather", "needs", "all"], weights=[1, 3, 4])[0],
        created_at=at,
        updated_at=at,
    )


@transaction.atomic
def create_demo_couples(*, couples: int, days: int, seed: int = 1) -> tuple[int, int]:
    """Create `couples` paired demo couples with up to `days` days of check-ins each.

    Partners are demo-<n>-a@ and demo-<n>-b@demo.example.org, password "demo-password".
    Numbering continues after any demo couples already there. Returns the number of the
    first new couple and the number of check-ins written.
    """
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not secrets
    password = make_password(DEMO_PASSWORD)
    start = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").count() // 2
    users, pairs = [], []
    for n in range(start, start + couples):
        zone_a, zone_b = ZONES[n % len(ZONES)]
        a, b = rng.sample(NAMES, 2)
        pair = (
            User(
                email=f"demo-{n}-a@{DEMO_DOMAIN}",
                display_name=a,
                time_zone=zone_a,
                password=password,
            ),
            User(
                email=f"demo-{n}-b@{DEMO_DOMAIN}",
                display_name=b,
                time_zone=zone_b,
                password=password,
            ),
        )
        users.extend(pair)
        pairs.append(pair)
    User.objects.bulk_create(users, batch_size=BATCH)
    by_email = dict(
        User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").values_list("email", "pk")
    )
    for user in users:
        user.pk = by_email[user.email]
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=BATCH,
    )
    now = timezone.now()
    couple_rows = Couple.objects.bulk_create(
        [
            Couple(
                status=Couple.Status.ACTIVE, created_at=now, paired_at=now - dt.timedelta(days=days)
            )
            for _ in pairs
        ],
        batch_size=BATCH,
    )
    Membership.objects.bulk_create(
        [
            Membership(couple=couple, user=user, slot=slot)
            for couple, pair in zip(couple_rows, pairs, strict=True)
            for slot, user in enumerate(pair, start=1)
        ],
        batch_size=BATCH,
    )

    partner_of = {a.pk: b for a, b in pairs} | {b.pk: a for a, b in pairs}
    written = 0
    batch: list[CheckIn] = []
    for couple, pair in zip(couple_rows, pairs, strict=True):
        for user in pair:
            engagement = rng.uniform(0.35, 0.95)
            today = user.local_today()
            first = today - dt.timedelta(days=days - 1)
            for i, (weather, energy) in enumerate(_weather_walk(rng, days)):
                if rng.random() < engagement:
                    day = first + dt.timedelta(days=i)
                    batch.append(_checkin(rng, user, couple, day, weather, energy))
        if len(batch) >= BATCH:
            written += _flush(rng, batch, partner_of)
            batch = []
    written += _flush(rng, batch, partner_of)
    _weekly_reviews(rng, couple_rows, pairs, days)
    return start, written


def _flush(rng: random.Random, batch: list[CheckIn], partner_of: dict[int, User]) -> int:
    """Write a batch of check-ins, and the partner's reactions to about a third of them."""
    CheckIn.objects.bulk_create(batch, batch_size=BATCH)
    reactions = [
        Reaction(
            checkin=c,
            author=partner_of[c.author_id],
            kind=rng.choice(Reaction.Kind.values),
            created_at=c.created_at,
        )
        for c in batch
        if rng.random() < 0.3
    ]
    Reaction.objects.bulk_create(reactions, batch_size=BATCH)
    return len(batch)


def _weekly_reviews(
    rng: random.Random, couples: list[Couple], pairs: list[tuple[User, User]], days: int
) -> None:
    """A Sunday-evening rhythm for each couple and most past weeks' reviews, answered."""
    rhythms = Rhythm.objects.bulk_create(
        [
            Rhythm(couple=c, time_zone=pair[0].time_zone)
            for c, pair in zip(couples, pairs, strict=True)
        ],
        batch_size=BATCH,
    )
    reviews: list[Review] = []
    for rhythm in rhythms:
        this_week = rhythm.week_start()
        for n in range(1, days // 7):
            if rng.random() < 0.7:
                week = this_week - dt.timedelta(weeks=n)
                at = rhythm.regular_start(week)
                reviews.append(
                    Review(
                        couple_id=rhythm.couple_id,
                        week_start=week,
                        revealed_at=at,
                        focus_habit=rng.choice(Habit.values),
                        focus_chosen_at=at,
                        created_at=at,
                    )
                )
    Review.objects.bulk_create(reviews, batch_size=BATCH)
    people = {c.pk: pair for c, pair in zip(couples, pairs, strict=True)}
    answers = []
    for review in reviews:
        for person in people[review.couple_id]:
            ratings = {}
            for layer in Layer.values:
                felt = rng.randint(1, 5)
                ratings[f"felt_{layer}"] = felt
                ratings[f"wished_{layer}"] = min(5, felt + rng.choice([0, 0, 1, 1, 2]))
            answers.append(
                ReviewAnswer(
                    review=review,
                    author=person,
                    appreciations=rng.choice(APPRECIATIONS),
                    went_well=rng.choice(WENT_WELL),
                    more_time=["hard_moment", "unspoken_need"],
                    repair="yes" if rng.random() < 0.2 else "no",
                    feel_loved=rng.choice(FEEL_LOVED),
                    submitted_at=review.revealed_at,
                    updated_at=review.revealed_at,
                    **ratings,
                )
            )
    ReviewAnswer.objects.bulk_create(answers, batch_size=BATCH)
