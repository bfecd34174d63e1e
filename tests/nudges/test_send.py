"""Sending: emails in three parts with one-click unsubscribe, the inbox, and the send-time rules."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from intimacy.accounts.services import couple_end
from intimacy.nudges.models import Nudge, NudgeRule, NudgeSettings
from intimacy.nudges.schedule import nudges_sweep, rules_dispatch
from intimacy.nudges.sending import nudges_send
from prompts.models import DailyPrompt, Depth, Prompt
from tests.factories import submit

from .conftest import at, due_now, rule

pytestmark = pytest.mark.django_db
# 09:00 in Paris on Saturday 21 November 2026: outside Alice's default quiet hours.
NOW = at(2026, 11, 21, 8)


def dispatch_and_send(user, habit: str, now: dt.datetime = NOW) -> Nudge:
    due_now(user, habit, now)
    NudgeRule.objects.exclude(user=user, habit=habit).update(next_due_at=None)
    with time_machine.travel(now, tick=False):
        rules_dispatch(enqueue=lambda ids: None)
        nudge = Nudge.objects.get(user=user, habit=habit)
        nudges_send(ids=[nudge.pk])
    nudge.refresh_from_db()
    return nudge


def test_a_morning_nudge_by_email_and_in_the_app(adopted, alice, client, mailoutbox):
    nudge = dispatch_and_send(alice, "morning_checkin")
    assert nudge.state == Nudge.State.SENT
    [mail] = mailoutbox
    assert mail.to == ["alice@example.com"]
    assert mail.subject == "What's your weather today?"
    html = mail.alternatives[0][0]
    assert "Hello Alice" in mail.body
    assert "Hello Alice" in html
    unsubscribe = re.search(r"http://[^\s]+/nudges/unsubscribe/[^\s/]+/", mail.body).group(0)
    assert mail.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # In the app: a count on the dashboard, and the inbox, which reads them.
    client.force_login(alice)
    assert "1 new nudge" in client.get(reverse("dashboard")).text
    assert "What&#x27;s your weather" in client.get(reverse("nudges:inbox")).text
    alice.refresh_from_db()
    assert alice.unread_nudges == 0
    assert "new nudge" not in client.get(reverse("dashboard")).text
    # The email's link opens the check-in form and counts as opened, without logging in.
    client.logout()
    link = re.search(r"http://[^\s]+/n/[^\s/]+/", mail.body).group(0)
    response = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert response.url == reverse("checkins:today")
    nudge.refresh_from_db()
    assert nudge.opened_at is not None


def test_opening_a_nudge_from_the_dashboard_card_reads_it(adopted, alice, client):
    nudge = dispatch_and_send(alice, "slow_hug")
    client.force_login(alice)
    page = client.get(reverse("dashboard")).text
    link = reverse("nudges:open", args=[nudge.open_token()])
    assert link in page
    assert client.get(link).url == reverse("dashboard")
    alice.refresh_from_db()
    assert alice.unread_nudges == 0
    assert "new nudge" not in client.get(reverse("dashboard")).text


def test_sending_twice_sends_once(adopted, alice, mailoutbox):
    nudge = dispatch_and_send(alice, "morning_checkin")
    with time_machine.travel(NOW, tick=False):
        assert nudges_send(ids=[nudge.pk]).sent == 0
    assert len(mailoutbox) == 1


def test_in_app_only(adopted, alice, mailoutbox):
    NudgeSettings.objects.filter(user=alice).update(by_email=False)
    nudge = dispatch_and_send(alice, "morning_checkin")
    assert nudge.state == Nudge.State.SENT
    assert nudge.in_app
    assert not nudge.by_email
    assert mailoutbox == []


def held(user, habit: str, now: dt.datetime = NOW) -> str:
    nudge = dispatch_and_send(user, habit, now)
    assert nudge.state == Nudge.State.HELD
    return nudge.held


def test_quiet_hours_hold_a_nudge(adopted, alice, mailoutbox):
    NudgeSettings.objects.filter(user=alice).update(quiet_start=dt.time(8), quiet_end=dt.time(10))
    assert held(alice, "morning_checkin") == "quiet"
    assert mailoutbox == []


def test_a_pause_holds_every_nudge(adopted, alice, mailoutbox):
    NudgeSettings.objects.filter(user=alice).update(paused_until=dt.date(2026, 11, 30))
    assert held(alice, "morning_checkin") == "paused"


def test_no_check_in_nudge_after_checking_in(adopted, alice):
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        submit(alice)
    assert held(alice, "morning_checkin") == "done"


def test_the_daily_cap(adopted, alice, mailoutbox):
    NudgeSettings.objects.filter(user=alice).update(daily_cap=1)
    dispatch_and_send(alice, "morning_checkin")
    assert held(alice, "slow_hug") == "cap"
    assert len(mailoutbox) == 1


def test_an_ended_couple_gets_nothing(adopted, alice):
    due_now(alice, "morning_checkin", NOW)
    with time_machine.travel(NOW, tick=False):
        rules_dispatch(enqueue=lambda ids: None)
    couple_end(couple=adopted)
    nudge = Nudge.objects.get(user=alice, habit="morning_checkin")
    with time_machine.travel(NOW, tick=False):
        nudges_send(ids=[nudge.pk])
    nudge.refresh_from_db()
    assert (nudge.state, nudge.held) == ("held", "no_couple")


def test_backing_off_after_three_unopened(adopted, alice, mailoutbox):
    NudgeRule.objects.filter(user=alice, habit="slow_hug").update(
        ignored_in_a_row=3, last_sent_on=dt.date(2026, 11, 20)
    )
    assert held(alice, "slow_hug") == "backing_off"
    NudgeRule.objects.filter(user=alice, habit="slow_hug").update(
        last_sent_on=dt.date(2026, 11, 18)
    )
    Nudge.objects.all().delete()
    assert dispatch_and_send(alice, "slow_hug").state == "sent"
    assert rule(alice, "slow_hug").ignored_in_a_row == 4


def test_a_partners_storm_is_never_revealed_by_a_nudge(adopted, alice, bob, everyday, mailoutbox):
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        submit(bob, weather="stormy")  # Alice has not checked in: she may not know
    dispatch_and_send(alice, "todays_prompt", at(2026, 11, 21, 17))
    [mail] = mailoutbox
    assert mail.subject == "Today's prompt is waiting for you both"
    assert "light" not in mail.body.lower()
    assert "Today's prompt: everyday prompt 1" in mail.body  # chosen light, silently


def test_a_deep_prompt_gives_way_when_the_storm_can_be_seen(
    adopted, alice, bob, everyday, mailoutbox, client
):
    deep = Prompt.objects.get(depth=Depth.DEEP)
    DailyPrompt.objects.create(couple=adopted, day=dt.date(2026, 11, 21), prompt=deep)
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        submit(bob, weather="stormy")
        submit(alice, weather="rainy")  # now Bob's weather is revealed to her
    dispatch_and_send(alice, "todays_prompt", at(2026, 11, 21, 17))
    [mail] = mailoutbox
    assert mail.subject == "Something light today"
    assert deep.text not in mail.body
    assert "A lighter one: everyday prompt 1" in mail.body
    client.force_login(alice)
    with time_machine.travel(at(2026, 11, 21, 17), tick=False):
        page = client.get(reverse("dashboard")).text
    assert "Today&#x27;s prompt can wait" in page
    assert "everyday prompt 1" in page


def test_todays_prompt_in_the_nudge_and_not_after_doing_it(adopted, alice, everyday, mailoutbox):
    nudge = dispatch_and_send(alice, "todays_prompt", at(2026, 11, 21, 17))
    assert "Today's prompt: everyday prompt" in mailoutbox[0].body
    assert nudge.link == reverse("dashboard")


def test_a_mail_server_that_is_down_means_retries_then_failed(adopted, alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    due_now(alice, "morning_checkin", NOW)
    NudgeRule.objects.exclude(user=alice, habit="morning_checkin").update(next_due_at=None)
    with time_machine.travel(NOW, tick=False):
        rules_dispatch(enqueue=lambda ids: None)
        nudge = Nudge.objects.get()
        for attempt in range(1, 6):
            outcome = nudges_send(ids=[nudge.pk])
            nudge.refresh_from_db()
            assert nudge.attempts == attempt
            if attempt < 5:
                assert outcome.retry == [nudge.pk]
                assert nudge.state == "pending"
    assert nudge.state == "failed"
    assert outcome.failed == 1
    assert outcome.retry == []


def test_the_sweeper_sends_again_what_a_dead_worker_left(
    adopted, alice, settings, django_capture_on_commit_callbacks
):
    due_now(alice, "morning_checkin", NOW)
    with time_machine.travel(NOW, tick=False):
        rules_dispatch(enqueue=lambda ids: None)
    nudge = Nudge.objects.get(habit="morning_checkin", user=alice)
    Nudge.objects.filter(pk=nudge.pk).update(state="sending", lease_until=NOW)
    queued = []
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        # The sweeper enqueues on commit, as the dispatcher does: the commit comes first.
        with django_capture_on_commit_callbacks(execute=True):
            assert nudges_sweep(enqueue=queued.append) == 1
        assert nudges_send(ids=queued[0]).sent == 1
    # A nudge still inside its lease is left alone.
    Nudge.objects.filter(pk=nudge.pk).update(state="sending", lease_until=NOW + dt.timedelta(1))
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        assert nudges_sweep(enqueue=queued.append) == 0


def test_the_sweeper_enqueues_only_after_commit(adopted, alice, django_capture_on_commit_callbacks):
    due_now(alice, "morning_checkin", NOW)
    with time_machine.travel(NOW, tick=False):
        rules_dispatch(enqueue=lambda ids: None)
    Nudge.objects.filter(user=alice).update(state="sending", lease_until=NOW)
    queued = []
    with (
        time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        assert nudges_sweep(enqueue=queued.append) == 1
    assert queued == []
    assert len(callbacks) == 1


def test_one_click_unsubscribe_without_logging_in(adopted, alice, client, mailoutbox):
    dispatch_and_send(alice, "morning_checkin")
    url = re.search(r"/nudges/unsubscribe/[^\s/]+/", mailoutbox[0].body).group(0)
    page = client.get(url)
    assert page.status_code == 200
    assert "Stop nudge emails?" in page.text
    assert NudgeSettings.objects.get(user=alice).by_email  # a GET (a link scanner) changes nothing
    # What a mail provider sends (RFC 8058): a POST with no cookie and no CSRF token.
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not NudgeSettings.objects.get(user=alice).by_email


@pytest.mark.parametrize("token", ["1", "1:forged", "abc", "x" * 300])
def test_forged_links_are_404(client, alice, token):
    assert client.get(reverse("nudges:unsubscribe", args=[token])).status_code == 404
    assert client.post(reverse("nudges:unsubscribe", args=[token])).status_code == 404
    assert client.get(reverse("nudges:open", args=[token])).status_code == 404


def test_one_broken_nudge_does_not_hold_up_its_batch(adopted, alice, bob, mailoutbox):
    due_now(alice, "slow_hug", NOW)
    due_now(bob, "slow_hug", NOW)
    NudgeRule.objects.exclude(habit="slow_hug").update(next_due_at=None)
    NudgeSettings.objects.update(quiet_start=dt.time(0), quiet_end=dt.time(0))
    with time_machine.travel(NOW, tick=False):
        rules_dispatch(enqueue=lambda ids: None)
        User = type(alice)
        User.objects.filter(pk=bob.pk).update(time_zone="Mars/Olympus_Mons")  # cannot be read
        outcome = nudges_send(ids=list(Nudge.objects.values_list("pk", flat=True)))
    assert outcome.sent == 1
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    bobs = Nudge.objects.get(user=bob)
    assert bobs.state == "pending"
    assert outcome.retry == [bobs.pk]


def test_a_nudge_out_of_attempts_is_marked_failed_not_retried(adopted, alice):
    due_now(alice, "slow_hug", NOW)
    NudgeRule.objects.exclude(habit="slow_hug", user=alice).update(next_due_at=None)
    with time_machine.travel(NOW, tick=False):
        rules_dispatch(enqueue=lambda ids: None)
    nudge = Nudge.objects.get(habit="slow_hug", user=alice)
    Nudge.objects.filter(pk=nudge.pk).update(state="sending", attempts=5, lease_until=NOW)
    queued = []
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        assert nudges_send(ids=[nudge.pk]).sent == 0
        assert nudges_sweep(enqueue=queued.append) == 0
    nudge.refresh_from_db()
    assert nudge.state == "failed"
    assert queued == []
