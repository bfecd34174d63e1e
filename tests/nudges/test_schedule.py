"""Due times in each partner's zone: DST gaps and repeats, UTC+14 and UTC-11, quiet hours."""

import datetime as dt

import pytest
import time_machine

from intimacy.nudges.models import Nudge, NudgeRule, in_quiet_hours, next_local_time
from intimacy.nudges.schedule import partners_adopt, rules_dispatch

from .conftest import at, rule

pytestmark = pytest.mark.django_db


def test_a_local_time_skipped_by_the_spring_change_moves_on_by_the_gap():
    # Paris jumps from 02:00 to 03:00 on 28 March 2027: 02:30 does not exist; 03:30 CEST it is.
    due = next_local_time(after=at(2027, 3, 27, 12), at=dt.time(2, 30), zone="Europe/Paris")
    assert due == at(2027, 3, 28, 1, 30)


def test_a_local_time_repeated_by_the_autumn_change_fires_once_at_the_first():
    # Paris repeats 02:00-03:00 on 25 October 2026: 02:30 CEST (00:30 UTC) and 02:30 CET.
    first = next_local_time(after=at(2026, 10, 24, 12), at=dt.time(2, 30), zone="Europe/Paris")
    assert first == at(2026, 10, 25, 0, 30)
    following = next_local_time(after=first, at=dt.time(2, 30), zone="Europe/Paris")
    assert following == at(2026, 10, 26, 1, 30)  # the next day, not the repeat an hour later


def test_the_same_morning_time_keeps_its_local_hour_across_the_change():
    after = at(2027, 3, 26, 12)
    dues = []
    for _ in range(3):
        after = next_local_time(after=after, at=dt.time(8, 30), zone="Europe/Paris")
        dues.append(after)
    assert dues == [at(2027, 3, 27, 7, 30), at(2027, 3, 28, 6, 30), at(2027, 3, 29, 6, 30)]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Pacific/Kiritimati", at(2026, 11, 20, 18, 30)),  # UTC+14: the day before in UTC
        ("Pacific/Pago_Pago", at(2026, 11, 20, 19, 30)),  # UTC-11: the same day, later
    ],
)
def test_extreme_zones(zone, expected):
    assert next_local_time(after=at(2026, 11, 20, 12), at=dt.time(8, 30), zone=zone) == expected


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        ("21:59", False),
        ("22:00", True),
        ("23:30", True),
        ("00:00", True),
        ("06:59", True),
        ("07:00", False),
        ("12:00", False),
    ],
)
def test_quiet_hours_across_midnight(local, quiet):
    t = dt.time.fromisoformat(local)
    assert in_quiet_hours(local=t, start=dt.time(22), end=dt.time(7)) is quiet


def test_quiet_hours_within_a_day_and_none():
    assert in_quiet_hours(local=dt.time(13), start=dt.time(12), end=dt.time(14))
    assert not in_quiet_hours(local=dt.time(15), start=dt.time(12), end=dt.time(14))
    assert not in_quiet_hours(local=dt.time(3), start=dt.time(0), end=dt.time(0))


def test_pairing_sets_up_default_schedules_in_each_partners_zone(couple, alice, bob):
    with time_machine.travel(at(2026, 11, 20, 12), tick=False):
        partners_adopt()
    # Alice in Paris (UTC+1 in November), Bob in New York (UTC-5).
    assert rule(alice, "morning_checkin").next_due_at == at(2026, 11, 21, 7, 30)
    assert rule(bob, "morning_checkin").next_due_at == at(2026, 11, 20, 13, 30)  # 07:00 there
    assert rule(alice, "evening_gratitude").next_due_at is None  # off by default
    assert rule(alice, "weekly_review").next_due_at is None  # no rhythm yet


def test_a_changed_time_zone_moves_the_schedule(couple, alice, bob):
    with time_machine.travel(at(2026, 11, 20, 12), tick=False):
        partners_adopt()
        alice.update_profile(display_name="Alice", time_zone="Asia/Tokyo")
        partners_adopt()
    assert rule(alice, "morning_checkin").next_due_at == at(2026, 11, 20, 23, 30)


def test_daily_dispatch_across_dst_writes_one_nudge_a_day_at_the_local_time(couple, alice, bob):
    with time_machine.travel(at(2027, 3, 26, 12), tick=False):
        partners_adopt()
    NudgeRule.objects.exclude(user=alice, habit="morning_checkin").update(
        next_due_at=None, enabled=False
    )
    for day in (27, 28, 29):
        due = rule(alice, "morning_checkin").next_due_at
        with time_machine.travel(due, tick=False):
            assert rules_dispatch(enqueue=lambda ids: None) == 1
            assert rules_dispatch(enqueue=lambda ids: None) == 0
        nudge = Nudge.objects.get(user=alice, local_date=dt.date(2027, 3, day))
        assert nudge.due_at.astimezone(alice.zone).time() == dt.time(8, 30)


def test_after_an_outage_missed_times_are_not_sent_in_a_burst(adopted, alice, bob):
    r = rule(alice, "morning_checkin")
    NudgeRule.objects.exclude(pk=r.pk).update(next_due_at=None)
    # The workers were down for three days.
    with time_machine.travel(r.next_due_at + dt.timedelta(days=3, hours=1), tick=False):
        assert rules_dispatch(enqueue=lambda ids: None) == 1
        r.refresh_from_db()
        assert r.next_due_at > dt.datetime.now(dt.UTC)
