"""The dispatcher: one nudge per partner, habit and local date, however many run at once."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from checkins.models import Review
from checkins.services import rhythm_set
from intimacy.nudges.models import Nudge, NudgeRule
from intimacy.nudges.schedule import focus_apply, partners_adopt, reviews_refresh, rules_dispatch
from tests.factories import UserFactory, make_couple

from .conftest import at, rule

NOW = at(2026, 11, 21, 9)


@pytest.mark.django_db
def test_due_rules_become_nudges_once_and_move_on(
    adopted, alice, bob, django_capture_on_commit_callbacks
):
    NudgeRule.objects.update(next_due_at=None)
    NudgeRule.objects.filter(habit="morning_checkin").update(next_due_at=NOW)
    queued = []
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert rules_dispatch(enqueue=queued.append) == 2
        assert rules_dispatch(enqueue=queued.append) == 0
    assert sorted(pk for chunk in queued for pk in chunk) == sorted(
        Nudge.objects.values_list("pk", flat=True)
    )
    assert rule(alice, "morning_checkin").next_due_at == at(2026, 11, 22, 7, 30)
    assert set(Nudge.objects.values_list("local_date", flat=True)) == {dt.date(2026, 11, 21)}


@pytest.mark.django_db
def test_sends_are_enqueued_only_after_commit(adopted, django_capture_on_commit_callbacks):
    NudgeRule.objects.update(next_due_at=None)
    NudgeRule.objects.filter(habit="morning_checkin").update(next_due_at=NOW)
    queued = []
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        rules_dispatch(enqueue=queued.append)
    assert queued == []
    assert len(callbacks) == 1


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_write_no_duplicates(capsys):
    for _ in range(60):
        make_couple(UserFactory(), UserFactory())
    partners_adopt(limit=1000)
    NudgeRule.objects.update(next_due_at=None)
    NudgeRule.objects.filter(habit__in=["morning_checkin", "todays_prompt"]).update(next_due_at=NOW)
    counts, errors = [], []

    def run() -> None:
        try:
            with time_machine.travel(NOW, tick=False):
                counts.append(rules_dispatch(batch=7, enqueue=lambda ids: None))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 240
    assert Nudge.objects.count() == 240
    with capsys.disabled():
        print(f"\nthree dispatchers wrote {counts} nudges: 240 in all, no duplicates")
    assert not NudgeRule.objects.filter(next_due_at__lte=NOW).exists()


@pytest.mark.django_db
def test_weekly_review_reminders_a_day_before_and_at_its_time(couple, alice, bob):
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        partners_adopt()
    with time_machine.travel(NOW, tick=False):  # Saturday 21 November, 10:00 in Paris
        rhythm_set(
            couple=couple,
            weekday=6,
            local_time=dt.time(19),
            duration_minutes=45,
            time_zone="Europe/Paris",
        )
        assert reviews_refresh() == 2
    # The review is on Sunday 22 November at 19:00 in Paris (18:00 UTC): a reminder on the
    # Saturday at the same time, and one on the Sunday.
    NudgeRule.objects.exclude(habit="weekly_review").update(next_due_at=None)
    for due in (at(2026, 11, 21, 18), at(2026, 11, 22, 18)):
        assert rule(alice, "weekly_review").next_due_at == due
        with time_machine.travel(due + dt.timedelta(seconds=30), tick=False):
            assert rules_dispatch(enqueue=lambda ids: None) == 2
    assert rule(bob, "weekly_review").next_due_at == at(2026, 11, 28, 18)
    dates = Nudge.objects.filter(user=bob).values_list("local_date", flat=True)
    assert sorted(dates) == [dt.date(2026, 11, 21), dt.date(2026, 11, 22)]  # New York's dates


@pytest.mark.django_db
def test_the_weeks_focus_switches_its_habit_on_for_that_week(adopted, alice, bob):
    review = Review.objects.create(
        couple=adopted,
        week_start=dt.date(2026, 11, 16),
        revealed_at=NOW,
        focus_habit="evening_gratitude",
        focus_chosen_at=NOW,
    )
    with time_machine.travel(NOW, tick=False):
        assert focus_apply() == 2
        assert focus_apply() == 0  # safe to run again
    gratitude = rule(alice, "evening_gratitude")
    assert not gratitude.enabled
    assert gratitude.focus_until == dt.date(2026, 11, 28)
    assert gratitude.focus_review_id == review.pk
    assert gratitude.next_due_at == at(2026, 11, 21, 20)  # 21:00 in Paris
    # After the week it stops, since the partner never switched it on themselves.
    with time_machine.travel(at(2026, 11, 28, 20, 0, 5), tick=False):
        NudgeRule.objects.update(next_due_at=None)
        gratitude.next_due_at = at(2026, 11, 28, 20)
        gratitude.save()
        rules_dispatch(enqueue=lambda ids: None)
    assert rule(alice, "evening_gratitude").next_due_at == at(2026, 11, 29, 20)
    with time_machine.travel(at(2026, 11, 29, 20, 0, 5), tick=False):
        assert rules_dispatch(enqueue=lambda ids: None) == 0
    assert rule(alice, "evening_gratitude").next_due_at is None


@pytest.mark.django_db
def test_an_ended_couple_goes_quiet_until_a_new_pairing(adopted, alice, bob, charlie):
    from intimacy.accounts.services import couple_end

    couple_end(couple=adopted)
    due = rule(alice, "morning_checkin").next_due_at
    with time_machine.travel(due, tick=False):
        assert rules_dispatch(enqueue=lambda ids: None) == 0
        partners_adopt()
    assert rule(alice, "morning_checkin").next_due_at is None
    make_couple(alice, charlie)
    with time_machine.travel(due, tick=False):
        partners_adopt()
    assert rule(alice, "morning_checkin").next_due_at == due + dt.timedelta(days=1)


@pytest.mark.django_db
def test_opening_the_settings_after_a_due_time_loses_nothing(client, adopted, alice):
    due = rule(alice, "morning_checkin").next_due_at
    client.force_login(alice)
    with time_machine.travel(due + dt.timedelta(seconds=2), tick=False):
        assert client.get(reverse("nudges:preferences")).status_code == 200
        assert rule(alice, "morning_checkin").next_due_at == due  # still due, not tomorrow
        NudgeRule.objects.exclude(pk=rule(alice, "morning_checkin").pk).update(next_due_at=None)
        assert rules_dispatch(enqueue=lambda ids: None) == 1


@pytest.mark.django_db
def test_a_changed_focus_moves_to_the_new_habit(adopted, alice, bob):
    review = Review.objects.create(
        couple=adopted,
        week_start=dt.date(2026, 11, 16),
        revealed_at=NOW,
        focus_habit="evening_gratitude",
        focus_chosen_at=NOW,
    )
    with time_machine.travel(NOW, tick=False):
        focus_apply()
        Review.objects.filter(pk=review.pk).update(focus_habit="slow_hug")
        assert focus_apply() == 2
    assert rule(alice, "slow_hug").focus_until == dt.date(2026, 11, 28)
    gratitude = rule(alice, "evening_gratitude")
    assert gratitude.focus_until is None
    assert gratitude.next_due_at is None


@pytest.mark.django_db
def test_review_reminders_without_a_rhythm_never_starve_other_rules(adopted, alice, bob):
    # Review reminders are on but there is no rhythm: they stay dormant and are not picked
    # every minute ahead of a rule that needs computing again.
    alice.update_profile(display_name="Alice", time_zone="Asia/Tokyo")
    with time_machine.travel(NOW, tick=False):
        partners_adopt(limit=1)
    assert (
        rule(alice, "morning_checkin").zone == "Asia/Tokyo"
        or rule(alice, "evening_gratitude").zone == "Asia/Tokyo"
    )
    with time_machine.travel(NOW, tick=False):
        for _ in range(12):
            partners_adopt(limit=1)
    assert set(NudgeRule.objects.filter(user=alice).values_list("zone", flat=True)) == {
        "Asia/Tokyo"
    }
    with time_machine.travel(NOW, tick=False):
        assert partners_adopt() == 0  # nothing left to do, minute after minute


@pytest.mark.django_db
def test_the_day_before_reminder_keeps_its_clock_time_across_dst(couple, alice, bob):
    with time_machine.travel(at(2027, 3, 20, 11), tick=False):
        partners_adopt()
    with time_machine.travel(at(2027, 3, 20, 12), tick=False):
        rhythm_set(
            couple=couple,
            weekday=6,
            local_time=dt.time(19),
            duration_minutes=45,
            time_zone="Europe/Paris",
        )
    with time_machine.travel(at(2027, 3, 22, 12), tick=False):
        reviews_refresh()
    # Saturday 27 March at 19:00 CET (18:00 UTC); Sunday 28 March at 19:00 CEST (17:00 UTC).
    assert rule(alice, "weekly_review").next_due_at == at(2027, 3, 27, 18)
    with time_machine.travel(at(2027, 3, 27, 18, 0, 5), tick=False):
        NudgeRule.objects.exclude(habit="weekly_review").update(next_due_at=None)
        rules_dispatch(enqueue=lambda ids: None)
    assert rule(alice, "weekly_review").next_due_at == at(2027, 3, 28, 17)


@pytest.mark.django_db
def test_a_habit_moved_later_on_a_day_it_already_came_waits_for_tomorrow(client, adopted, alice):
    from .test_views import form_data

    gratitude = rule(alice, "evening_gratitude")
    Nudge.objects.create(
        user=alice, rule=gratitude, habit="evening_gratitude",
        local_date=dt.date(2026, 11, 21), due_at=at(2026, 11, 21, 16), state="sent",
    )  # fmt: skip
    client.force_login(alice)
    with time_machine.travel(at(2026, 11, 21, 16, 5), tick=False):
        client.post(reverse("nudges:preferences"), form_data(at_evening_gratitude="17:30"))
    # Not today at 17:30 (one nudge of a habit a day): tomorrow.
    assert rule(alice, "evening_gratitude").next_due_at == at(2026, 11, 22, 16, 30)
