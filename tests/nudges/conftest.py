import datetime as dt

import pytest

from intimacy.accounts.models import Couple, User
from intimacy.nudges.models import NudgeRule
from intimacy.nudges.schedule import partners_adopt

UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# Saturday 21 November 2026, 08:00 UTC (09:00 in Paris, 03:00 in New York).
SET_UP_AT = dt.datetime(2026, 11, 21, 8, tzinfo=dt.UTC)


@pytest.fixture
def adopted(couple: Couple, alice: User, bob: User) -> Couple:
    """The couple with its default nudge schedule, as the minute's job leaves it (at a fixed
    moment, so due times do not depend on when the tests run)."""
    import time_machine

    with time_machine.travel(SET_UP_AT - dt.timedelta(hours=1), tick=False):
        partners_adopt()
    return couple


def rule(user: User, habit: str) -> NudgeRule:
    return NudgeRule.objects.get(user=user, habit=habit)


def due_now(user: User, habit: str, now: dt.datetime) -> NudgeRule:
    """Make one of `user`'s rules due at `now` (as if its time had come)."""
    r = rule(user, habit)
    r.enabled = True
    r.next_due_at = now
    r.save()
    return r
