"""What the pages promise about nudges is what the sending does: a rule that cannot fire
says why (no couple, quiet hours, no channel, a pause, backing off), a held nudge shows its
reason, and the review's words about the week's focus match when its nudges come."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from checkins import services as checkin_services
from checkins.models import Review
from intimacy.accounts.services import couple_end
from intimacy.nudges.models import Nudge, NudgeRule, NudgeSettings
from intimacy.nudges.schedule import focus_apply, partners_adopt
from tests.factories import FULL, make_couple

from .conftest import at, rule
from .test_done import minute, only_reviews, review_at

pytestmark = pytest.mark.django_db


def habit_row(page: str, label: str) -> str:
    """The preferences page's list item of one habit."""
    for item in re.findall(r'<li class="habit">.*?</li>', page, flags=re.S):
        if label in item:
            return re.sub(r"\s+", " ", item)
    raise AssertionError(f"no row for {label}")


def preferences(client, user, now: dt.datetime) -> str:
    client.force_login(user)
    with time_machine.travel(now, tick=False):
        return client.get(reverse("nudges:preferences")).text


# After a couple ends (point 3)


def test_after_the_couple_ends_no_rule_promises_a_next_time(adopted, alice, client):
    review_at(adopted, local_time=dt.time(12, 30), now=at(2026, 12, 1, 9))
    assert rule(alice, "weekly_review").next_due_at is not None
    with time_machine.travel(at(2026, 12, 2, 9), tick=False):
        couple_end(couple=adopted)
    page = preferences(client, alice, at(2026, 12, 2, 9, 0, 30))
    assert "Next:" not in page
    assert "Sunday 6 December" not in page
    row = habit_row(page, "Weekly review reminder")
    assert "you are not in a couple now" in row
    assert "starts again once you pair" in habit_row(page, "Morning check-in")


def test_a_focus_from_an_ended_couple_does_not_follow_into_a_new_one(adopted, alice, charlie):
    with time_machine.travel(at(2026, 11, 21, 9), tick=False):
        review = Review.objects.create(
            couple=adopted, week_start=dt.date(2026, 11, 16), revealed_at=at(2026, 11, 21, 9),
            focus_habit="slow_hug", focus_chosen_at=at(2026, 11, 21, 9),
        )  # fmt: skip
        focus_apply()
    assert rule(alice, "slow_hug").focus_review_id == review.pk
    with time_machine.travel(at(2026, 11, 22, 9), tick=False):
        couple_end(couple=adopted)
        make_couple(alice, charlie)
        partners_adopt()
        focus_apply()
    hug = rule(alice, "slow_hug")
    assert (hug.focus_until, hug.next_due_at) == (None, None)


def test_no_way_to_reach_me_means_no_next_time(adopted, alice, client):
    NudgeSettings.objects.filter(user=alice).update(by_email=False, in_app=False)
    page = preferences(client, alice, at(2026, 11, 21, 9))
    assert "Next:" not in page
    assert "no way to reach you is switched on" in habit_row(page, "Morning check-in")


def test_a_pause_moves_the_next_time_past_it(adopted, alice, client):
    NudgeSettings.objects.filter(user=alice).update(paused_until=dt.date(2026, 11, 25))
    page = preferences(client, alice, at(2026, 11, 21, 9))
    row = habit_row(page, "Morning check-in")
    assert "Next: Thursday 26 November, 08:30" in row
    assert "your nudges are paused" in row


def test_backing_off_shows_the_day_it_really_comes(adopted, alice, client):
    NudgeRule.objects.filter(user=alice, habit="morning_checkin").update(
        ignored_in_a_row=3, last_sent_on=dt.date(2026, 11, 21)
    )
    page = preferences(client, alice, at(2026, 11, 21, 9))
    row = habit_row(page, "Morning check-in")
    assert "Next: Tuesday 24 November, 08:30" in row


def test_a_focus_habit_inside_the_quiet_hours_says_it_will_not_come(adopted, alice, client):
    # Quiet from 20:00: the focus turns on the gratitude nudge at 21:00, which cannot come.
    NudgeSettings.objects.filter(user=alice).update(quiet_start=dt.time(20))
    with time_machine.travel(at(2026, 11, 21, 9), tick=False):
        Review.objects.create(
            couple=adopted, week_start=dt.date(2026, 11, 16), revealed_at=at(2026, 11, 21, 9),
            focus_habit="evening_gratitude", focus_chosen_at=at(2026, 11, 21, 9),
        )  # fmt: skip
        focus_apply()
    row = habit_row(preferences(client, alice, at(2026, 11, 21, 9, 1)), "Evening gratitude")
    assert "Next:" not in row
    assert "in your quiet hours" in row


# Held nudges and the review time in quiet hours (point 5)


def test_the_preferences_page_shows_the_last_held_nudge_and_why(adopted, alice, bob, client):
    # The review at 12:30 in Paris is 06:30 in New York, inside Bob's quiet hours (22-07).
    review_at(adopted, local_time=dt.time(12, 30), now=at(2026, 12, 5, 9))
    only_reviews()
    minute(at(2026, 12, 5, 11, 30))
    assert Nudge.objects.get(user=bob).held == "quiet"
    page = preferences(client, bob, at(2026, 12, 5, 12))
    assert "Held back: Weekly review reminder" in page
    assert "Sat 5 Dec, 06:30" in page
    assert "in your quiet hours" in page
    row = habit_row(page, "Weekly review reminder")
    assert "Last: Sat 5 Dec, 06:30, held back (in your quiet hours)" in row
    assert "Held back" not in preferences(client, alice, at(2026, 12, 5, 12))


def test_a_review_time_in_my_quiet_hours_is_said_where_it_is_set(adopted, alice, bob, client):
    review_at(adopted, local_time=dt.time(12, 30), now=at(2026, 12, 5, 9))
    message = "inside your quiet hours"
    for user, told in ((bob, True), (alice, False)):
        client.force_login(user)
        with time_machine.travel(at(2026, 12, 5, 10), tick=False):
            rhythm = client.get(reverse("checkins:rhythm")).text
            review = client.get(reverse("checkins:review_home"), follow=True).text
        nudges = preferences(client, user, at(2026, 12, 5, 10))
        assert (message in rhythm) is told
        assert (message in review) is told
        assert (message in habit_row(nudges, "Weekly review reminder")) is told
    # Bob's own zone and hours, and a way to change them; nothing of Alice's settings.
    client.force_login(bob)
    with time_machine.travel(at(2026, 12, 5, 10), tick=False):
        rhythm = client.get(reverse("checkins:rhythm")).text
    assert "06:30 your time" in rhythm
    assert "22:00" in rhythm
    assert reverse("nudges:preferences") in rhythm
    # Quiet hours that end earlier: nothing to say.
    NudgeSettings.objects.filter(user=bob).update(quiet_end=dt.time(6))
    with time_machine.travel(at(2026, 12, 5, 10), tick=False):
        assert message not in client.get(reverse("checkins:rhythm")).text


# The week's focus: the review page's words and the nudges agree (point 6)


def test_the_focus_words_match_when_its_nudges_come(adopted, alice, bob, client):
    review_at(adopted, local_time=dt.time(12, 30), now=at(2026, 12, 5, 9))
    with time_machine.travel(at(2026, 12, 6, 11, 45), tick=False):  # 12:45 in Paris
        review = checkin_services.review_for_week(couple=adopted, week_start=dt.date(2026, 11, 30))
        for person in (alice, bob):
            checkin_services.answer_save(review=review, author=person, fields=FULL, submit=True)
        client.force_login(alice)
        client.post(reverse("checkins:review_focus", args=[review.pk]), {"habit": "slow_hug"})
        words = client.get(reverse("checkins:review", args=[review.pk])).text
    assert "Reminders for it follow next week" not in words
    assert "on for both of you from today until Sunday 13 December" in words
    minute(at(2026, 12, 6, 11, 46))
    hug = rule(alice, "slow_hug")
    assert hug.focus_until == dt.date(2026, 12, 13)
    # A slow hug is at 07:45: today's time has passed, so the first comes tomorrow.
    assert hug.next_due_at == at(2026, 12, 7, 6, 45)
    row = habit_row(preferences(client, alice, at(2026, 12, 6, 11, 47)), "A slow hug")
    assert "on until Sunday 13 December" in row
    assert "Next: Monday 7 December, 07:45" in row
