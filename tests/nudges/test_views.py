"""The preferences page and the inbox: each partner's own, forgiving of bad input."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from intimacy.nudges.models import Nudge, NudgeRule, NudgeSettings
from intimacy.nudges.schedule import nudges_set_up

from .conftest import at, rule

pytestmark = pytest.mark.django_db


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "by_email": "on",
        "in_app": "on",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "daily_cap": "3",
        "paused_until": "",
        "on_morning_checkin": "on",
        "at_morning_checkin": "08:30",
        "on_evening_gratitude": "on",
        "at_evening_gratitude": "20:45",
    }
    for key in (
        "todays_prompt",
        "device_free_talk",
        "slow_hug",
        "playful_touch",
        "micro_repair",
        "something_new",
    ):
        data[f"at_{key}"] = "12:00"
    return {**data, **overrides}


def test_a_partner_chooses_habits_times_and_a_pause(client, adopted, alice):
    client.force_login(alice)
    page = client.get(reverse("nudges:preferences"))
    assert page.status_code == 200
    assert "Morning check-in" in page.text
    with time_machine.travel(at(2026, 11, 21, 12), tick=False):
        response = client.post(reverse("nudges:preferences"), form_data())
    assert response.status_code == 302
    gratitude = rule(alice, "evening_gratitude")
    assert gratitude.enabled
    assert gratitude.local_time == dt.time(20, 45)
    assert gratitude.next_due_at == at(2026, 11, 21, 19, 45)
    assert not rule(alice, "todays_prompt").enabled
    assert rule(alice, "weekly_review").enabled is False  # its box was left unticked
    with time_machine.travel(at(2026, 11, 21, 12), tick=False):
        client.post(reverse("nudges:preferences"), form_data(paused_until="2026-12-01"))
    assert NudgeSettings.objects.get(user=alice).paused_until == dt.date(2026, 12, 1)
    assert "Paused until Tuesday 1 December" in client.get(reverse("nudges:preferences")).text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("at_morning_checkin", "25:99", "Enter a valid time."),
        ("quiet_start", "", "This field is required."),
        ("daily_cap", "0", "Choose a number from 1 to 10."),
        ("daily_cap", "many", "Choose a number from 1 to 10."),
        ("at_evening_gratitude", "23:00", "inside your quiet hours"),
        ("paused_until", "2020-01-01", "Choose today or a later date"),
        ("paused_until", "2031-01-01", "up to a year"),
        ("paused_until", "soon", "Enter a valid date."),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_kept(client, alice, field, value, message):
    client.force_login(alice)
    before = NudgeSettings.objects.count(), list(NudgeRule.objects.values())
    response = client.post(
        reverse("nudges:preferences"), form_data(**{field: value}, at_slow_hug="06:10")
    )
    assert response.status_code == 200
    assert message in response.text
    assert f'id="id_{field}_error"' in response.text
    assert 'value="06:10"' in response.text  # what was typed elsewhere stays
    assert list(NudgeRule.objects.filter(local_time=dt.time(6, 10))) == []
    assert before[0] <= NudgeSettings.objects.count()


def test_the_pages_need_a_login(client):
    for name in ("nudges:preferences", "nudges:inbox"):
        url = reverse(name)
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert client.post(reverse("nudges:preferences"), form_data()).status_code == 302
    assert not NudgeSettings.objects.exists()


def test_an_outsider_sees_only_their_own_inbox_and_settings(client, adopted, alice, charlie):
    nudges_set_up(user=alice)
    Nudge.objects.create(
        user=alice,
        habit="slow_hug",
        local_date=dt.date(2026, 11, 21),
        due_at=at(2026, 11, 21),
        state="sent",
        in_app=True,
        title="Alice's own nudge",
    )
    client.force_login(charlie)
    assert "Alice&#x27;s own nudge" not in client.get(reverse("nudges:inbox")).text
    client.post(reverse("nudges:preferences"), form_data(daily_cap="9"))
    assert NudgeSettings.objects.get(user=alice).daily_cap == 3


def test_the_preferences_page_explains_a_back_off(client, adopted, alice):
    NudgeRule.objects.filter(user=alice, habit="morning_checkin").update(ignored_in_a_row=3)
    client.force_login(alice)
    assert "You have not opened the last 3" in client.get(reverse("nudges:preferences")).text


def test_dashboard_query_count_with_unread_nudges(
    client, adopted, alice, django_assert_max_num_queries
):
    for day in range(1, 30):
        Nudge.objects.create(
            user=alice,
            habit="slow_hug",
            local_date=dt.date(2026, 10, day),
            due_at=at(2026, 10, day),
            state="sent",
            in_app=True,
            title=f"n{day}",
        )
    alice.unread_nudges = 29
    alice.save()
    client.force_login(alice)
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(4):
        page = client.get(reverse("dashboard"))
    assert "29 new nudges" in page.text


def test_saving_the_page_ends_a_back_off(client, adopted, alice):
    NudgeRule.objects.filter(user=alice).update(ignored_in_a_row=5)
    client.force_login(alice)
    client.post(reverse("nudges:preferences"), form_data())
    assert set(NudgeRule.objects.filter(user=alice).values_list("ignored_in_a_row", flat=True)) == {
        0
    }


def test_this_weeks_focus_can_be_stopped(client, adopted, alice):
    NudgeRule.objects.filter(user=alice, habit="slow_hug").update(
        focus_until=dt.date(2030, 1, 1), enabled=False
    )
    client.force_login(alice)
    page = client.get(reverse("nudges:preferences")).text
    assert "This week's focus" in page
    assert "Stop this week&#x27;s focus nudges" in page
    client.post(reverse("nudges:preferences"), form_data(stop_slow_hug="on"))
    stopped = rule(alice, "slow_hug")
    assert stopped.focus_until is None
    assert stopped.next_due_at is None


def test_the_preferences_page_keeps_a_fixed_number_of_queries(
    client, adopted, alice, django_assert_max_num_queries
):
    for day in range(1, 29):
        Nudge.objects.create(
            user=alice, habit="slow_hug", local_date=dt.date(2026, 10, day),
            due_at=at(2026, 10, day), state="sent", in_app=True,
        )  # fmt: skip
    client.force_login(alice)
    client.get(reverse("nudges:preferences"))
    # The session, the user, the rules with their latest nudges, the settings, then the
    # send-time facts: the couple, today's sent count, today's check-in, the review rhythm
    # and today's prompt.
    with django_assert_max_num_queries(9):
        client.get(reverse("nudges:preferences"))
    with django_assert_max_num_queries(40):
        client.post(reverse("nudges:preferences"), form_data())


def test_the_preferences_page_queries_do_not_grow_with_reviews(
    client, adopted, alice, bob, django_assert_max_num_queries
):
    from checkins.models import Review, RhythmMove
    from tests.factories import rhythm_for

    rhythm_for(adopted)
    for week in range(1, 30):
        monday = dt.date(2026, 11, 16) - dt.timedelta(weeks=week)
        Review.objects.create(
            couple=adopted, week_start=monday, revealed_at=at(2026, 1, 1),
            focus_habit="slow_hug", focus_chosen_at=at(2026, 1, 1),
        )  # fmt: skip
        RhythmMove.objects.create(
            couple=adopted, week_start=monday, starts_at=at(2026, 1, 1) + dt.timedelta(weeks=week)
        )
    client.force_login(alice)
    client.get(reverse("nudges:preferences"))
    with django_assert_max_num_queries(11):  # and the weeks moved, and the reviews done
        client.get(reverse("nudges:preferences"))
