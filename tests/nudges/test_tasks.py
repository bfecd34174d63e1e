"""The beat tasks hand the schedule send_nudges as its enqueue: sends go out once committed."""

import datetime as dt

import pytest
import time_machine

from intimacy.nudges.models import Nudge, NudgeRule
from intimacy.nudges.tasks import dispatch_nudges, sweep_nudges

from .conftest import at, due_now

pytestmark = pytest.mark.django_db
# 09:00 in Paris on Saturday 21 November 2026: outside Alice's default quiet hours.
NOW = at(2026, 11, 21, 8)


def test_the_minutes_task_sends_what_is_due_once_committed(
    adopted, alice, mailoutbox, django_capture_on_commit_callbacks
):
    due_now(alice, "morning_checkin", NOW)
    NudgeRule.objects.exclude(user=alice, habit="morning_checkin").update(next_due_at=None)
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert dispatch_nudges() == 1
            assert mailoutbox == []  # nothing is sent before the nudge is committed
        assert [mail.to for mail in mailoutbox] == [["alice@example.com"]]
    assert Nudge.objects.get(user=alice).state == Nudge.State.SENT


def test_the_sweepers_task_sends_again_once_committed(
    adopted, alice, mailoutbox, django_capture_on_commit_callbacks
):
    due_now(alice, "morning_checkin", NOW)
    NudgeRule.objects.exclude(user=alice, habit="morning_checkin").update(next_due_at=None)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks():
        dispatch_nudges()  # its send is captured, never run: as if the worker died
    Nudge.objects.filter(user=alice).update(state="sending", lease_until=NOW)
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_nudges() == 1
            assert mailoutbox == []
        assert [mail.to for mail in mailoutbox] == [["alice@example.com"]]
