"""A habit already done gets no nudge, and no page promises one for it: the review (both
shared and the focus picked), the morning check-in and today's prompt, at send time and on
the pages that say what comes next."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkins import services as checkin_services
from checkins.models import Review
from intimacy.nudges.models import Nudge, NudgeRule, NudgeSettings
from intimacy.nudges.schedule import focus_apply, partners_adopt, reviews_refresh, rules_dispatch
from intimacy.nudges.sending import nudges_send
from prompts.models import DailyPrompt, Prompt, PromptLog
from tests.factories import FULL, UserFactory, make_couple, submit

from .conftest import at, rule

pytestmark = pytest.mark.django_db


def minute(now: dt.datetime) -> list[int]:
    """The minute's work at `now`, as beat runs it, with the sends done at once."""
    with time_machine.travel(now, tick=False):
        partners_adopt()
        reviews_refresh()
        focus_apply()
        rules_dispatch(enqueue=lambda ids: None)  # sends enqueue on commit: taken below
        ids = list(Nudge.objects.filter(state="pending").values_list("pk", flat=True))
        if ids:
            nudges_send(ids=ids)
    return ids


def review_at(couple, *, weekday: int = 6, local_time: dt.time, now: dt.datetime):
    with time_machine.travel(now, tick=False):
        checkin_services.rhythm_set(
            couple=couple,
            weekday=weekday,
            local_time=local_time,
            duration_minutes=45,
            time_zone="Europe/Paris",
        )
        reviews_refresh()


def finish_review(couple, week_start: dt.date, now: dt.datetime, habit: str = "slow_hug"):
    """Both partners share their answers and pick next week's focus."""
    with time_machine.travel(now, tick=False):
        review = checkin_services.review_for_week(couple=couple, week_start=week_start)
        for person in [m.user for m in couple.memberships.select_related("user")]:
            checkin_services.answer_save(review=review, author=person, fields=FULL, submit=True)
        checkin_services.review_choose_focus(review=review, habit=habit)
    return review


def only_reviews() -> None:
    NudgeRule.objects.exclude(habit="weekly_review").update(next_due_at=None, enabled=False)


# Sunday 6 December 2026, the review at 12:30 in Paris (11:30 UTC; 06:30 in New York).


def test_a_done_review_gets_no_reminder_at_its_time(adopted, alice, bob, mailoutbox, client):
    review_at(adopted, local_time=dt.time(12, 30), now=at(2026, 12, 5, 9))
    only_reviews()
    NudgeSettings.objects.update(quiet_start=dt.time(0), quiet_end=dt.time(0))
    # The day before, at the same time: the first reminder.
    minute(at(2026, 12, 5, 11, 30))
    assert len(mailoutbox) == 2
    assert "tomorrow, Sunday, at 12:30" in mailoutbox[0].body + mailoutbox[1].body
    # Both share and pick a focus on the Saturday evening: the review is done.
    finish_review(adopted, dt.date(2026, 11, 30), at(2026, 12, 5, 20))
    mailoutbox.clear()
    minute(at(2026, 12, 6, 11, 30))
    assert mailoutbox == []
    assert not Nudge.objects.filter(local_date=dt.date(2026, 12, 6), state="sent").exists()
    # The reminders move on to the next review, and so does every page.
    assert rule(alice, "weekly_review").next_due_at == at(2026, 12, 12, 11, 30)
    client.force_login(alice)
    with time_machine.travel(at(2026, 12, 6, 11, 31), tick=False):
        dashboard = client.get(reverse("dashboard")).text
        nudges = client.get(reverse("nudges:preferences")).text
    assert "Sunday 13 December, 12:30" in dashboard
    assert "Sunday 6 December" not in dashboard
    assert "Next: Saturday 12 December, 12:30" in nudges
    assert "Next: Sunday 6 December" not in nudges


def test_a_done_review_in_the_week_the_clocks_change(couple, alice, bob, mailoutbox, client):
    # Paris moves to summer time at 02:00 on Sunday 28 March 2027: the review at 12:30 is
    # 11:30 UTC on the Saturday reminder and 10:30 UTC on the Sunday.
    with time_machine.travel(at(2027, 3, 20, 8), tick=False):
        partners_adopt()
    review_at(couple, local_time=dt.time(12, 30), now=at(2027, 3, 26, 9))
    only_reviews()
    NudgeSettings.objects.update(quiet_start=dt.time(0), quiet_end=dt.time(0))
    assert rule(alice, "weekly_review").next_due_at == at(2027, 3, 27, 11, 30)
    minute(at(2027, 3, 27, 11, 30))
    assert rule(alice, "weekly_review").next_due_at == at(2027, 3, 28, 10, 30)
    finish_review(couple, dt.date(2027, 3, 22), at(2027, 3, 27, 21))
    mailoutbox.clear()
    minute(at(2027, 3, 28, 10, 30))
    assert mailoutbox == []
    assert not Nudge.objects.filter(local_date=dt.date(2027, 3, 28), state="sent").exists()
    # Next: Saturday 3 April at 12:30 summer time, 10:30 UTC.
    assert rule(alice, "weekly_review").next_due_at == at(2027, 4, 3, 10, 30)
    with time_machine.travel(at(2027, 3, 28, 10, 31), tick=False):
        client.force_login(bob)  # New York changed on 14 March: 06:30 there.
        assert "Sunday 4 April, 06:30" in client.get(reverse("dashboard")).text
        assert "Next: Saturday 3 April, 06:30" in client.get(reverse("nudges:preferences")).text


def test_a_reminder_written_before_the_review_was_done_is_held_at_send_time(
    adopted, alice, bob, mailoutbox
):
    review_at(adopted, local_time=dt.time(12, 30), now=at(2026, 12, 5, 9))
    only_reviews()
    NudgeSettings.objects.update(quiet_start=dt.time(0), quiet_end=dt.time(0))
    NudgeRule.objects.filter(habit="weekly_review").update(next_due_at=at(2026, 12, 6, 11, 30))
    with time_machine.travel(at(2026, 12, 6, 11, 30), tick=False):
        rules_dispatch(enqueue=lambda ids: None)
    ids = list(Nudge.objects.values_list("pk", flat=True))
    assert len(ids) == 2
    # Done in the seconds between writing the reminders and sending them.
    finish_review(adopted, dt.date(2026, 11, 30), at(2026, 12, 6, 11, 30))
    with time_machine.travel(at(2026, 12, 6, 11, 30, 5), tick=False):
        assert nudges_send(ids=ids).held == 2
    assert mailoutbox == []
    assert set(Nudge.objects.values_list("state", "held")) == {("held", "done")}


def test_a_review_done_before_the_day_before_gets_neither_reminder(adopted, alice, mailoutbox):
    review_at(adopted, local_time=dt.time(12, 30), now=at(2026, 12, 1, 9))
    only_reviews()
    NudgeSettings.objects.update(quiet_start=dt.time(0), quiet_end=dt.time(0))
    finish_review(adopted, dt.date(2026, 11, 30), at(2026, 12, 2, 20))
    minute(at(2026, 12, 2, 20, 1))
    assert rule(alice, "weekly_review").next_due_at == at(2026, 12, 12, 11, 30)
    minute(at(2026, 12, 5, 11, 30))
    minute(at(2026, 12, 6, 11, 30))
    assert [m for m in mailoutbox if m.subject == "Your weekly review"] == []
    assert not Nudge.objects.filter(habit="weekly_review").exists()


def test_shared_but_no_focus_yet_the_reminder_says_what_is_left(adopted, alice, mailoutbox):
    review_at(adopted, local_time=dt.time(12, 30), now=at(2026, 12, 5, 9))
    only_reviews()
    NudgeSettings.objects.update(quiet_start=dt.time(0), quiet_end=dt.time(0))
    with time_machine.travel(at(2026, 12, 5, 20), tick=False):
        review = checkin_services.review_for_week(couple=adopted, week_start=dt.date(2026, 11, 30))
        checkin_services.answer_save(review=review, author=alice, fields=FULL, submit=True)
    minute(at(2026, 12, 6, 11, 30))
    alices = next(m for m in mailoutbox if m.to == [alice.email])
    bobs = next(m for m in mailoutbox if m.to != [alice.email])
    assert "today at 12:30" in alices.body
    assert "You have shared your answers" in alices.body
    assert "stay private until you have both answered" in bobs.body
    mailoutbox.clear()
    Review.objects.filter(pk=review.pk).delete()
    with time_machine.travel(at(2026, 12, 5, 20), tick=False):
        review = checkin_services.review_for_week(couple=adopted, week_start=dt.date(2026, 11, 30))
        for person in (alice, adopted.memberships.exclude(user=alice).get().user):
            checkin_services.answer_save(review=review, author=person, fields=FULL, submit=True)
    Nudge.objects.all().delete()
    NudgeRule.objects.filter(habit="weekly_review").update(next_due_at=at(2026, 12, 6, 11, 30))
    minute(at(2026, 12, 6, 11, 30))
    assert len(mailoutbox) == 2
    assert all("choose next week's focus together" in m.body for m in mailoutbox)


def test_the_nudge_page_skips_a_check_in_already_made_today(adopted, alice, client):
    # Saturday 21 November, 07:00 in Paris: checked in before the 08:30 nudge.
    with time_machine.travel(at(2026, 11, 21, 6), tick=False):
        submit(alice)
        client.force_login(alice)
        page = client.get(reverse("nudges:preferences")).text
    assert "Next: Saturday 21 November, 08:30" not in page
    assert "Next: Sunday 22 November, 08:30" in page
    assert "Not today: you have checked in." in page


def test_the_nudge_page_skips_a_prompt_done_today(adopted, alice, client, everyday):
    prompt = Prompt.objects.get(text="everyday prompt 1")
    DailyPrompt.objects.create(couple=adopted, day=dt.date(2026, 11, 21), prompt=prompt)
    PromptLog.objects.create(couple=adopted, prompt=prompt, state="done", by=alice)
    client.force_login(alice)
    with time_machine.travel(at(2026, 11, 21, 12), tick=False):
        page = client.get(reverse("nudges:preferences")).text
    assert "Next: Sunday 22 November, 18:00" in page
    assert "Not today: today&#x27;s prompt is done or skipped." in page


def test_sending_reads_the_review_facts_in_a_fixed_number_of_queries(adopted, alice, bob):
    """Review reminders for many couples: the queries per batch do not grow with it."""

    def couples(n: int) -> list[int]:
        made = []
        for _ in range(n):
            couple = make_couple(UserFactory(), UserFactory())
            made.append(couple)
        with time_machine.travel(at(2026, 12, 5, 9), tick=False):
            partners_adopt(limit=10_000)
            for couple in made:
                checkin_services.rhythm_set(
                    couple=couple, weekday=6, local_time=dt.time(12, 30),
                    duration_minutes=45, time_zone="Europe/Paris",
                )  # fmt: skip
        NudgeSettings.objects.update(quiet_start=dt.time(0), quiet_end=dt.time(0))
        NudgeRule.objects.exclude(habit="weekly_review").update(next_due_at=None)
        NudgeRule.objects.filter(habit="weekly_review").update(
            enabled=True, next_due_at=at(2026, 12, 5, 11, 30)
        )
        with time_machine.travel(at(2026, 12, 5, 11, 30), tick=False):
            rules_dispatch(enqueue=lambda ids: None)
        return list(Nudge.objects.filter(state="pending").values_list("pk", flat=True))

    def queries(ids: list[int]) -> int:
        with (
            time_machine.travel(at(2026, 12, 5, 11, 30), tick=False),
            CaptureQueriesContext(connection) as captured,
        ):
            assert nudges_send(ids=ids).sent == len(ids)
        return len(captured)

    few = queries(couples(2))
    Nudge.objects.all().delete()
    many = queries(couples(12))
    assert many == few
