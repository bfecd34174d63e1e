"""Many paired partners with a nudge due at one instant: for the benchmark and the fault test.

Written with bulk inserts (a hundred thousand partners in seconds), never used by the app.
"""

import datetime as dt
import uuid

from django.contrib.auth.hashers import make_password
from django.db import transaction

from intimacy.accounts.models import Couple, Membership, User

from .catalogue import NudgeHabit
from .models import NudgeRule, NudgeSettings


@transaction.atomic
def partners_due(*, count: int, due_at: dt.datetime, batch: int = 5000) -> int:
    """`count` partners (in couples of two) whose morning check-in nudge is due at `due_at`,
    with no quiet hours and email and in-app both on. Returns how many were made."""
    run = uuid.uuid4().hex[:8]
    password = make_password(None)  # unusable: these people never log in
    made = 0
    while made < count:
        size = min(batch, count - made)
        size += size % 2  # whole couples
        users = User.objects.bulk_create(
            User(
                email=f"load-{run}-{made + i}@load.example.org",
                display_name=f"Partner {made + i}",
                time_zone="Europe/Paris",
                password=password,
            )
            for i in range(size)
        )
        couples = Couple.objects.bulk_create(
            Couple(status=Couple.Status.ACTIVE, paired_at=due_at) for _ in range(size // 2)
        )
        Membership.objects.bulk_create(
            Membership(couple=couples[i // 2], user=user, slot=i % 2 + 1)
            for i, user in enumerate(users)
        )
        NudgeSettings.objects.bulk_create(
            NudgeSettings(user=user, quiet_start=dt.time(0), quiet_end=dt.time(0), daily_cap=10)
            for user in users
        )
        NudgeRule.objects.bulk_create(
            NudgeRule(
                user=user,
                habit=NudgeHabit.MORNING_CHECKIN,
                local_time=due_at.astimezone(user.zone).time(),
                enabled=True,
                next_due_at=due_at,
                zone=user.time_zone,
            )
            for user in users
        )
        made += size
    return made
