import datetime as dt

import pytest
import time_machine
from dateutil.rrule import rrulestr
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from checkins import services
from checkins.models import CalendarFeed, ParkedTopic, Review, ReviewAnswer, RhythmMove
from intimacy.accounts.services import couple_end
from tests.factories import FULL, UserFactory, login_redirect, make_couple, rhythm_for

# Time stands still on Wednesday 18 November 2026 at noon UTC (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday_noon")]


CANARY = "CANARY-review-55e1"
FORM = {
    "appreciations": f"Thank you {CANARY}",
    "went_well": "The picnic",
    "hard_moment": "",
    "unspoken_need": "",
    "feel_loved": "Plan a date",
    "more_time": ["hard_moment", "unspoken_need"],
    "repair": "no",
    "repair_what": "",
    **{
        f"{k}_{layer}": "3"
        for layer in ("emotional", "physical", "intellectual", "digital")
        for k in ("felt", "wished")
    },
}


@pytest.fixture
def rhythm(couple):
    return rhythm_for(couple)


@pytest.fixture
def review(couple, rhythm):
    return services.review_for_week(couple=couple, week_start=rhythm.week_start())


@pytest.fixture
def charlie_review(charlie, db):
    other = make_couple(charlie, UserFactory())
    rhythm_for(other)
    return services.review_for_week(couple=other, week_start=dt.date(2026, 11, 16))


# The review page


def test_review_home_goes_to_this_weeks_review(client, alice, review):
    client.force_login(alice)
    response = client.get(reverse("checkins:review_home"))
    assert response.url == reverse("checkins:review", args=[review.pk])


def test_review_home_asks_for_a_rhythm_first(client, couple, alice):
    client.force_login(alice)
    assert client.get(reverse("checkins:review_home")).url == reverse("checkins:rhythm")


def test_review_home_for_someone_unpaired_explains(client, charlie):
    client.force_login(charlie)
    assert "The weekly review is for two" in client.get(reverse("checkins:review_home")).text


def test_review_home_anonymous_goes_to_login(client):
    assert login_redirect(
        client.get(reverse("checkins:review_home")), reverse("checkins:review_home")
    )


def test_review_of_another_couple_is_404(client, alice, charlie_review):
    client.force_login(alice)
    url = reverse("checkins:review", args=[charlie_review.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {**FORM, "action": "submit"}).status_code == 404
    assert not ReviewAnswer.objects.exists()


def test_review_anonymous_goes_to_login(client, review):
    url = reverse("checkins:review", args=[review.pk])
    assert login_redirect(client.get(url), url)


def test_nothing_of_my_answers_reaches_my_partner_before_the_reveal(client, alice, bob, review):
    client.force_login(alice)
    client.post(reverse("checkins:review", args=[review.pk]), {**FORM, "action": "submit"})
    client.force_login(bob)
    page = client.get(reverse("checkins:review", args=[review.pk])).text
    assert CANARY not in page
    assert "The picnic" not in page
    assert "Your partner has shared theirs." in page
    for url in (reverse("dashboard"), reverse("checkins:trends")):
        assert CANARY not in client.get(url).text


def test_both_answers_appear_side_by_side_after_both_share(client, alice, bob, review):
    client.force_login(alice)
    client.post(reverse("checkins:review", args=[review.pk]), {**FORM, "action": "submit"})
    assert (
        "Waiting for your partner" in client.get(reverse("checkins:review", args=[review.pk])).text
    )
    client.force_login(bob)
    client.post(
        reverse("checkins:review", args=[review.pk]),
        {**FORM, "went_well": "Our talk", "action": "submit"},
    )
    page = client.get(reverse("checkins:review", args=[review.pk])).text
    assert CANARY in page
    assert "Our talk" in page
    assert "Needs more time" in page
    assert "One small thing for the week ahead" in page


def test_a_failed_submit_keeps_the_draft(client, alice, review):
    client.force_login(alice)
    incomplete = {**FORM, "feel_loved": "", "more_time": [], "felt_digital": "", "action": "submit"}
    response = client.post(reverse("checkins:review", args=[review.pk]), incomplete)

    assert response.status_code == 200
    assert "tick \u201cneeds more time\u201d" in response.text
    assert 'id="id_felt_digital_error"' in response.text
    answer = ReviewAnswer.objects.get(author=alice)
    assert answer.submitted_at is None
    assert answer.appreciations == FORM["appreciations"]  # Saved as a draft all the same.
    assert answer.went_well == "The picnic"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"felt_physical": "9"}, "felt_physical"),
        ({"went_well": "x" * 100_000}, "went_well"),
        ({"repair": "maybe"}, "repair"),
    ],
)
def test_bad_input_gets_a_field_error_and_keeps_the_rest(client, alice, review, change, field):
    client.force_login(alice)
    response = client.post(
        reverse("checkins:review", args=[review.pk]), {**FORM, **change, "action": "draft"}
    )
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.text
    assert CANARY in response.text


def test_a_draft_is_only_mine(client, alice, bob, review):
    client.force_login(alice)
    response = client.post(
        reverse("checkins:review", args=[review.pk]), {**FORM, "action": "draft"}
    )
    assert response.status_code == 302
    assert CANARY in client.get(reverse("checkins:review", args=[review.pk])).text
    client.force_login(bob)
    assert CANARY not in client.get(reverse("checkins:review", args=[review.pk])).text


def test_review_page_queries_do_not_grow_with_past_reviews(client, couple, alice, bob, rhythm):
    def count() -> int:
        review = services.review_for_week(couple=couple, week_start=rhythm.week_start())
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("checkins:review", args=[review.pk])).status_code == 200
        return len(captured)

    client.force_login(alice)
    first = count()
    for weeks_ago in range(1, 60):
        past = services.review_for_week(
            couple=couple, week_start=rhythm.week_start() - dt.timedelta(weeks=weeks_ago)
        )
        for person in (alice, bob):
            services.answer_save(review=past, author=person, fields=FULL, submit=True)
        services.topic_park(couple=couple, author=alice, text=f"topic {weeks_ago}")
    assert count() == first


# Focus


def test_choose_focus_after_reveal(client, alice, bob, review):
    for person in (alice, bob):
        services.answer_save(review=review, author=person, fields=FULL, submit=True)
    client.force_login(bob)
    client.post(reverse("checkins:review_focus", args=[review.pk]), {"habit": "slow_hug"})
    review.refresh_from_db()
    assert review.focus_habit == "slow_hug"


def test_choose_focus_before_reveal_says_why(client, alice, review):
    client.force_login(alice)
    response = client.post(
        reverse("checkins:review_focus", args=[review.pk]), {"habit": "slow_hug"}, follow=True
    )
    assert "once you have both shared" in response.text


def test_review_and_topic_anonymous_go_to_login(client):
    url = reverse("checkins:topic_park")
    assert login_redirect(client.post(url, {"text": "x"}), url)
    assert not ParkedTopic.objects.exists()


def test_choose_focus_outsider_and_anonymous(client, charlie, review):
    url = reverse("checkins:review_focus", args=[review.pk])
    assert login_redirect(client.post(url, {"habit": "slow_hug"}), url)
    client.force_login(charlie)
    assert client.post(url, {"habit": "slow_hug"}).status_code == 404


# Rhythm and moves


def test_set_rhythm(client, couple, alice):
    client.force_login(alice)
    data = {
        "weekday": "6",
        "local_time": "20:30",
        "duration_minutes": "45",
        "time_zone": "Europe/Paris",
    }
    assert client.post(reverse("checkins:rhythm"), data).status_code == 302
    assert str(couple.rhythm) == "Sunday 20:30 (Europe/Paris)"


def test_rhythm_defaults_to_the_setters_zone(client, couple, bob):
    client.force_login(bob)
    assert 'value="America/New_York" selected' in client.get(reverse("checkins:rhythm")).text


def test_rhythm_bad_input(client, couple, alice):
    client.force_login(alice)
    response = client.post(
        reverse("checkins:rhythm"),
        {
            "weekday": "9",
            "local_time": "25:99",
            "duration_minutes": "30",
            "time_zone": "Europe/Paris",
        },
    )
    assert response.status_code == 200
    assert 'id="id_weekday_error"' in response.text
    assert 'id="id_local_time_error"' in response.text


def test_rhythm_outsider_sees_no_couple_and_anonymous_logs_in(client, charlie):
    assert login_redirect(client.get(reverse("checkins:rhythm")), reverse("checkins:rhythm"))
    client.force_login(charlie)
    assert "The weekly review is for two" in client.get(reverse("checkins:rhythm")).text


def test_move_this_week_only(client, alice, review):
    client.force_login(alice)
    with time_machine.travel(dt.datetime(2026, 11, 17, 12, tzinfo=dt.UTC), tick=False):
        review.week_start = dt.date(2026, 11, 16)
        review.save()
        response = client.post(
            reverse("checkins:review_move", args=[review.pk]), {"starts_at": "2026-11-21T10:00"}
        )
    assert response.status_code == 302
    move = RhythmMove.objects.get()
    # Alice is in Paris: 10:00 there is 09:00 UTC.
    assert move.starts_at == dt.datetime(2026, 11, 21, 9, tzinfo=dt.UTC)


def test_move_to_the_past_is_refused(client, alice, review):
    client.force_login(alice)
    response = client.post(
        reverse("checkins:review_move", args=[review.pk]), {"starts_at": "2001-01-01T10:00"}
    )
    assert "still to come" in response.text
    assert not RhythmMove.objects.exists()


def test_move_outsider_and_anonymous(client, charlie, review):
    url = reverse("checkins:review_move", args=[review.pk])
    assert login_redirect(client.get(url), url)
    client.force_login(charlie)
    assert client.get(url).status_code == 404


# Parked topics


def test_park_and_talk_about_a_topic(client, couple, alice, bob, review):
    client.force_login(alice)
    client.post(reverse("checkins:topic_park"), {"text": "  Holiday   plans "})
    topic = ParkedTopic.objects.get()
    assert topic.text == "Holiday plans"
    client.force_login(bob)
    assert "Holiday plans" in client.get(reverse("checkins:review", args=[review.pk])).text
    client.post(reverse("checkins:topic_talked", args=[topic.pk]))
    topic.refresh_from_db()
    assert topic.talked_at is not None


def test_park_empty_topic_says_why(client, couple, alice):
    client.force_login(alice)
    response = client.post(reverse("checkins:topic_park"), {"text": "   "}, follow=True)
    assert "Write a few words" in response.text
    assert not ParkedTopic.objects.exists()


def test_topic_outsider_and_anonymous(client, couple, alice, charlie):
    topic = services.topic_park(couple=couple, author=alice, text="private thing")
    url = reverse("checkins:topic_talked", args=[topic.pk])
    assert login_redirect(client.post(url), url)
    client.force_login(charlie)
    assert client.post(url).status_code == 404
    client.post(reverse("checkins:topic_park"), {"text": "charlie's"})
    assert ParkedTopic.objects.count() == 1


# Trends


def test_trends_show_gaps_of_revealed_weeks(client, couple, alice, bob, rhythm):
    review = services.review_for_week(couple=couple, week_start=rhythm.week_start())
    for person in (alice, bob):
        services.answer_save(review=review, author=person, fields=FULL, submit=True)
    client.force_login(alice)
    response = client.get(reverse("checkins:trends"))
    assert response.status_code == 200
    assert '<td class="num">+2</td>' in response.text  # wished 5 - felt 3
    assert client.get(reverse("checkins:trends") + "?weeks=52").status_code == 200


def test_trends_queries_do_not_grow(
    client, couple, alice, bob, rhythm, django_assert_max_num_queries
):
    for weeks_ago in range(0, 52):
        past = services.review_for_week(
            couple=couple, week_start=rhythm.week_start() - dt.timedelta(weeks=weeks_ago)
        )
        for person in (alice, bob):
            services.answer_save(review=past, author=person, fields=FULL, submit=True)
    client.force_login(alice)
    with django_assert_max_num_queries(6):
        client.get(reverse("checkins:trends") + "?weeks=52")


def test_trends_outsider_and_anonymous(client, charlie):
    assert login_redirect(client.get(reverse("checkins:trends")), reverse("checkins:trends"))
    client.force_login(charlie)
    assert "The weekly review is for two" in client.get(reverse("checkins:trends")).text


# Calendar feed


def occurrences(ics: bytes, count: int) -> list[dt.datetime]:
    """The review's start times, as a standard parser reads them, with moved weeks applied."""
    events = Calendar.from_ical(ics).walk("VEVENT")
    master = next(e for e in events if "RRULE" in e)
    start = master.decoded("DTSTART")
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start)
    moved = {
        e.decoded("RECURRENCE-ID"): e.decoded("DTSTART") for e in events if "RECURRENCE-ID" in e
    }
    return [moved.get(when, when) for when in rule[:count]]


def test_calendar_feed_keeps_local_time_across_dst(client, couple, alice):
    with time_machine.travel(dt.datetime(2026, 3, 16, 12, tzinfo=dt.UTC), tick=False):
        rhythm_for(couple)  # Sundays 19:00, London.
        feed = services.calendar_feed_reset(user=alice)
        services.review_move(
            couple=couple,
            week_start=dt.date(2026, 3, 30),
            starts_at=dt.datetime(2026, 4, 4, 10, tzinfo=dt.UTC),
        )
    response = client.get(reverse("checkins:calendar_ics", args=[feed.token]))
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VTIMEZONE" in response.content
    assert b"TZID:Europe/London" in response.content

    first, second, third = occurrences(response.content, 3)
    assert first.astimezone(dt.UTC) == dt.datetime(2026, 3, 22, 19, tzinfo=dt.UTC)  # GMT
    assert second.astimezone(dt.UTC) == dt.datetime(2026, 3, 29, 18, tzinfo=dt.UTC)  # BST
    assert (second.hour, second.minute) == (19, 0)
    assert third.astimezone(dt.UTC) == dt.datetime(2026, 4, 4, 10, tzinfo=dt.UTC)  # moved


def test_calendar_feed_unknown_or_revoked_token_is_404(client, couple, alice):
    rhythm_for(couple)
    feed = services.calendar_feed_reset(user=alice)
    services.calendar_feed_revoke(user=alice)
    assert client.get(reverse("checkins:calendar_ics", args=[feed.token])).status_code == 404
    assert client.get(reverse("checkins:calendar_ics", args=["nope"])).status_code == 404


def test_calendar_feed_of_ex_partner_stops(client, couple, alice):
    rhythm_for(couple)
    feed = services.calendar_feed_reset(user=alice)
    couple_end(couple=couple)
    assert client.get(reverse("checkins:calendar_ics", args=[feed.token])).status_code == 404


def test_calendar_settings(client, couple, alice):
    client.force_login(alice)
    client.post(reverse("checkins:calendar"), {"action": "reset"})
    first = CalendarFeed.objects.get(user=alice).token
    assert first in client.get(reverse("checkins:calendar")).text
    client.post(reverse("checkins:calendar"), {"action": "reset"})
    assert CalendarFeed.objects.get(user=alice).token != first
    client.post(reverse("checkins:calendar"), {"action": "revoke"})
    assert not CalendarFeed.objects.exists()


def test_calendar_settings_anonymous(client):
    assert login_redirect(client.get(reverse("checkins:calendar")), reverse("checkins:calendar"))


def test_calendar_settings_only_touch_my_own_feed(client, couple, alice, charlie):
    services.calendar_feed_reset(user=alice)
    client.force_login(charlie)
    client.post(reverse("checkins:calendar"), {"action": "revoke"})
    assert CalendarFeed.objects.filter(user=alice).exists()


def test_review_reveal_writes_once_under_a_double_submit(client, alice, bob, review):
    for person in (alice, bob):
        services.answer_save(review=review, author=person, fields=FULL, submit=True)
    client.force_login(alice)
    client.post(reverse("checkins:review", args=[review.pk]), {**FORM, "action": "submit"})
    assert ReviewAnswer.objects.get(author=alice).appreciations == FULL["appreciations"]
    assert Review.objects.get().revealed_at is not None


def test_dashboard_shows_the_next_review_in_my_zone_and_this_weeks_move(client, couple, alice, bob):
    rhythm_for(couple)  # Sundays 19:00 in London.
    client.force_login(bob)  # New York.
    assert "Sunday 22 November, 14:00" in client.get(reverse("dashboard")).text
    services.review_move(
        couple=couple,
        week_start=dt.date(2026, 11, 16),
        starts_at=dt.datetime(2026, 11, 21, 15, tzinfo=dt.UTC),
    )
    assert "Saturday 21 November, 10:00" in client.get(reverse("dashboard")).text


def test_needs_more_time_on_the_repair_question_survives_a_draft(client, alice, review):
    client.force_login(alice)
    client.post(
        reverse("checkins:review", args=[review.pk]),
        {**FORM, "repair": "more_time", "action": "draft"},
    )
    assert ReviewAnswer.objects.get(author=alice).repair == "more_time"
    page = client.get(reverse("checkins:review", args=[review.pk])).text
    assert 'value="more_time" id="id_repair_2" checked' in page or 'more_time" checked' in page


def test_a_failed_submit_says_so_at_the_top(client, alice, review):
    client.force_login(alice)
    response = client.post(
        reverse("checkins:review", args=[review.pk]),
        {**FORM, "feel_loved": "", "more_time": [], "action": "submit"},
    )
    assert "Not shared yet" in response.text
    assert 'href="#id_feel_loved_error"' in response.text


def test_calendar_feed_keeps_a_time_the_clocks_skip_as_written(client, couple, alice):
    # Sundays 01:30 in London, set in the week the clocks go forward (01:30 does not exist).
    with time_machine.travel(dt.datetime(2027, 3, 25, 12, tzinfo=dt.UTC), tick=False):
        rhythm_for(couple, local_time=dt.time(1, 30))
        feed = services.calendar_feed_reset(user=alice)
    body = client.get(reverse("checkins:calendar_ics", args=[feed.token])).content
    assert b"DTSTART;TZID=Europe/London:20270328T013000" in body
    later = occurrences(body, 3)[2]
    assert (later.hour, later.minute) == (1, 30)
    assert later.astimezone(dt.UTC) == dt.datetime(2027, 4, 11, 0, 30, tzinfo=dt.UTC)


def test_move_by_post_for_an_outsider_is_404(client, charlie, review):
    client.force_login(charlie)
    url = reverse("checkins:review_move", args=[review.pk])
    assert client.post(url, {"starts_at": "2026-11-21T10:00"}).status_code == 404
    assert not RhythmMove.objects.exists()


def test_past_review_shows_its_own_weeks_topics(client, couple, alice, bob, rhythm):
    past = services.review_for_week(
        couple=couple, week_start=rhythm.week_start() - dt.timedelta(weeks=3)
    )
    services.topic_park(couple=couple, author=alice, text="today's topic")
    client.force_login(alice)
    page = client.get(reverse("checkins:review", args=[past.pk])).text
    assert "today&#x27;s topic" not in page
    assert "No topics were parked that week" in page
    assert "Move this week" not in page


def test_revealed_review_page_queries_are_fixed(
    client, couple, alice, bob, rhythm, django_assert_max_num_queries
):
    review = services.review_for_week(couple=couple, week_start=rhythm.week_start())
    for person in (alice, bob):
        services.answer_save(review=review, author=person, fields=FULL, submit=True)
    client.force_login(alice)
    with django_assert_max_num_queries(10):
        client.get(reverse("checkins:review", args=[review.pk]))


def test_move_to_a_time_the_clocks_skip_says_so_plainly(client, couple, alice, rhythm):
    with time_machine.travel(dt.datetime(2027, 3, 24, 12, tzinfo=dt.UTC), tick=False):
        review = services.review_for_week(couple=couple, week_start=dt.date(2027, 3, 22))
        client.force_login(alice)  # Paris: 02:30 on 28 March 2027 never happens.
        response = client.post(
            reverse("checkins:review_move", args=[review.pk]), {"starts_at": "2027-03-28T02:30"}
        )
    assert "The clocks change at that time here" in response.text
    assert not RhythmMove.objects.exists()


def test_a_past_or_revealed_week_cannot_move(client, couple, alice, bob, rhythm):
    past = services.review_for_week(
        couple=couple, week_start=rhythm.week_start() - dt.timedelta(weeks=2)
    )
    current = services.review_for_week(couple=couple, week_start=rhythm.week_start())
    for person in (alice, bob):
        services.answer_save(review=current, author=person, fields=FULL, submit=True)
    client.force_login(alice)
    for review in (past, current):
        url = reverse("checkins:review_move", args=[review.pk])
        response = client.post(url, {"starts_at": "2026-11-21T20:00"})
        assert response.url == reverse("checkins:review", args=[review.pk])
    assert not RhythmMove.objects.exists()


def test_a_second_tab_after_sharing_is_told(client, alice, review):
    services.answer_save(review=review, author=alice, fields=FULL, submit=True)
    client.force_login(alice)
    response = client.post(
        reverse("checkins:review", args=[review.pk]), {**FORM, "action": "submit"}, follow=True
    )
    assert "already shared" in response.text
    assert ReviewAnswer.objects.get(author=alice).appreciations == FULL["appreciations"]
