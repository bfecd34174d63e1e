import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkins import services
from checkins.demo import DEMO_DOMAIN, create_demo_couples
from checkins.models import CheckIn, Reaction
from intimacy.accounts.models import User
from intimacy.accounts.services import couple_end
from tests.factories import CANARY, UserFactory, login_redirect, make_couple, submit

from .conftest import checked

# Time stands still on Wednesday 18 November 2026 at noon UTC (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday_noon")]


VALID = {
    "weather": "windy",
    "energy": "3",
    "needs": ["space", "to_talk"],
    "tags": ["sleep"],
    "note_to_partner": "See you at eight",
    "private_note": "just for me",
    "disclosure": "all",
}


# Today's check-in


def test_checking_in_from_the_form(client, couple, alice):
    client.force_login(alice)
    response = client.post(reverse("checkins:today"), VALID)
    assert response.status_code == 302
    checkin = CheckIn.objects.get(author=alice)
    assert (checkin.weather, checkin.energy, checkin.needs) == ("windy", 3, ["space", "to_talk"])
    assert checkin.couple == couple


def test_today_page_prefills_todays_checkin(client, couple, alice, alices_checkin):
    client.force_login(alice)
    response = client.get(reverse("checkins:today"))
    assert response.status_code == 200
    assert checked(response.text, "weather") == {"sunny"}
    assert "Update my check-in" in response.text


def test_today_anonymous_goes_to_login(client):
    assert login_redirect(client.get(reverse("checkins:today")), reverse("checkins:today"))
    assert login_redirect(client.post(reverse("checkins:today"), VALID), reverse("checkins:today"))
    assert not CheckIn.objects.exists()


def test_outsider_checking_in_never_touches_the_couple(client, couple, charlie):
    client.force_login(charlie)
    client.post(reverse("checkins:today"), VALID)
    assert CheckIn.objects.get().couple is None
    assert CheckIn.objects.get().author == charlie


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"weather": "hail"}, "weather", "Choose one of the seven weathers"),
        ({"weather": ""}, "weather", "Choose the weather that fits today"),
        ({"energy": "9"}, "energy", "Choose your energy, from 1 to 5"),
        ({"needs": ["cake"]}, "needs", "Select a valid choice"),
        ({"note_to_partner": "x" * 100_000}, "note_to_partner", "at most 2000 characters"),
        ({"private_note": "y" * 100_000}, "private_note", "at most 4000 characters"),
        ({"disclosure": "everything"}, "disclosure", "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_field_error_and_keeps_what_was_typed(
    client, alice, change, field, message
):
    client.force_login(alice)
    response = client.post(reverse("checkins:today"), {**VALID, **change})
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.text
    assert message in response.text
    # What was typed elsewhere is still there.
    if field != "note_to_partner":
        assert "See you at eight" in response.text
    if field != "needs":
        assert checked(response.text, "needs") == {"space", "to_talk"}
    assert not CheckIn.objects.exists()


def test_a_note_that_would_not_be_shared_says_so(client, alice):
    client.force_login(alice)
    response = client.post(reverse("checkins:today"), {**VALID, "disclosure": "needs"})
    assert response.status_code == 200
    assert 'id="id_note_to_partner_error"' in response.text
    assert "See you at eight" in response.text
    assert not CheckIn.objects.exists()


def test_repeated_needs_are_stored_once(client, alice):
    client.force_login(alice)
    client.post(reverse("checkins:today"), {**VALID, "needs": ["space", "space", "fun"]})
    assert CheckIn.objects.get().needs == ["space", "fun"]


# The dashboard and the reveal rule


def test_dashboard_hides_partners_weather_until_i_check_in(client, couple, alice, bobs_checkin):
    client.force_login(alice)
    before = client.get(reverse("dashboard")).text
    assert "Bob has checked in today" in before
    assert "Long day, hug later?" not in before
    assert "Energy 2 of 5" not in before

    client.post(reverse("checkins:today"), VALID)
    after = client.get(reverse("dashboard")).text
    assert "Energy 2 of 5" in after
    assert "Long day, hug later?" in after


def test_private_note_never_reaches_the_partner(
    client, couple, alice, bob, bobs_checkin, mailoutbox
):
    submit(alice)  # Alice's own check-in (carrying the canary too) reveals Bob's.
    CheckIn.objects.filter(author=alice).update(private_note="alice-only")
    client.force_login(alice)
    pages = [
        reverse("dashboard"),
        reverse("checkins:history"),
        reverse("checkins:history") + "?range=90",
        reverse("checkins:detail", args=[bobs_checkin.pk]),
        reverse("checkins:today"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert CANARY not in response.text, url
    client.post(reverse("checkins:react", args=[bobs_checkin.pk]), {"kind": "hug"})
    assert all(CANARY not in m.body for m in mailoutbox)


def test_author_sees_own_private_note(client, couple, bob, bobs_checkin):
    client.force_login(bob)
    assert CANARY in client.get(reverse("checkins:detail", args=[bobs_checkin.pk])).text


def test_dashboard_shows_the_reaction_to_its_author(
    client, couple, alice, bob, bobs_checkin, alices_checkin
):
    client.force_login(alice)
    client.post(reverse("checkins:react", args=[bobs_checkin.pk]), {"kind": "hug"})
    client.force_login(bob)
    assert "Alice: <strong>Sending a hug</strong>" in client.get(reverse("dashboard")).text


# Check-in page


def test_detail_of_partners_checkin_after_reveal(
    client, couple, alice, bobs_checkin, alices_checkin
):
    client.force_login(alice)
    response = client.get(reverse("checkins:detail", args=[bobs_checkin.pk]))
    assert response.status_code == 200
    assert "Bob's weather" in response.text


def test_detail_of_partners_checkin_before_reveal_is_404(client, couple, alice, bobs_checkin):
    client.force_login(alice)
    assert client.get(reverse("checkins:detail", args=[bobs_checkin.pk])).status_code == 404


def test_detail_for_outsider_is_404(client, couple, charlie, bobs_checkin):
    submit(charlie)
    client.force_login(charlie)
    assert client.get(reverse("checkins:detail", args=[bobs_checkin.pk])).status_code == 404


def test_detail_for_ex_partner_is_404(client, couple, alice, bobs_checkin, alices_checkin):
    couple_end(couple=couple)
    client.force_login(alice)
    assert client.get(reverse("checkins:detail", args=[bobs_checkin.pk])).status_code == 404
    # Her own entries stay hers.
    assert client.get(reverse("checkins:detail", args=[alices_checkin.pk])).status_code == 200


def test_detail_anonymous_goes_to_login(client, bobs_checkin):
    url = reverse("checkins:detail", args=[bobs_checkin.pk])
    assert login_redirect(client.get(url), url)


# Reactions


def test_react_and_undo(client, couple, alice, bobs_checkin, alices_checkin):
    client.force_login(alice)
    assert (
        client.post(
            reverse("checkins:react", args=[bobs_checkin.pk]), {"kind": "see_you"}
        ).status_code
        == 302
    )
    assert Reaction.objects.get().kind == "see_you"
    client.post(reverse("checkins:react_undo", args=[bobs_checkin.pk]))
    assert not Reaction.objects.exists()


def test_react_with_unknown_kind_changes_nothing(
    client, couple, alice, bobs_checkin, alices_checkin
):
    client.force_login(alice)
    response = client.post(
        reverse("checkins:react", args=[bobs_checkin.pk]), {"kind": "kiss"}, follow=True
    )
    assert "Choose one of the reactions" in response.text
    assert not Reaction.objects.exists()


def test_react_before_reveal_is_404(client, couple, alice, bobs_checkin):
    client.force_login(alice)
    assert (
        client.post(reverse("checkins:react", args=[bobs_checkin.pk]), {"kind": "hug"}).status_code
        == 404
    )


def test_react_for_outsider_is_404(client, couple, charlie, bobs_checkin):
    submit(charlie)
    client.force_login(charlie)
    assert (
        client.post(reverse("checkins:react", args=[bobs_checkin.pk]), {"kind": "hug"}).status_code
        == 404
    )
    assert client.post(reverse("checkins:react_undo", args=[bobs_checkin.pk])).status_code == 404
    assert not Reaction.objects.exists()


def test_react_anonymous_goes_to_login(client, bobs_checkin):
    for name in ("checkins:react", "checkins:react_undo"):
        url = reverse(name, args=[bobs_checkin.pk])
        assert login_redirect(client.post(url, {"kind": "hug"}), url)


def test_react_to_own_checkin_says_why(client, couple, bob, bobs_checkin):
    client.force_login(bob)
    response = client.post(
        reverse("checkins:react", args=[bobs_checkin.pk]), {"kind": "hug"}, follow=True
    )
    assert "not your own" in response.text


# History


def test_history_shows_both_partners(client, couple, alice, bobs_checkin, alices_checkin):
    client.force_login(alice)
    response = client.get(reverse("checkins:history"))
    assert response.status_code == 200
    text = " ".join(response.text.split())
    assert "You checked in on 1 of the last 30 days; Bob on 1." in text
    assert reverse("checkins:detail", args=[bobs_checkin.pk]) in response.text


def test_history_hides_partners_today_until_i_check_in(client, couple, alice, bobs_checkin):
    client.force_login(alice)
    response = client.get(reverse("checkins:history"))
    assert reverse("checkins:detail", args=[bobs_checkin.pk]) not in response.text
    assert "Bob checked in; yours first" in response.text


def test_history_never_shows_an_outsiders_checkins(client, couple, charlie, bobs_checkin):
    client.force_login(charlie)
    response = client.get(reverse("checkins:history"))
    assert response.status_code == 200
    assert reverse("checkins:detail", args=[bobs_checkin.pk]) not in response.text
    assert "Energy 2" not in response.text


@pytest.mark.parametrize(
    "query", ["?month=1999-13", "?month=nope&range=7", "?range=abc", "?month=0001-01"]
)
def test_history_with_odd_parameters_still_works(client, alice, query):
    client.force_login(alice)
    assert client.get(reverse("checkins:history") + query).status_code == 200


def test_history_anonymous_goes_to_login(client):
    assert login_redirect(client.get(reverse("checkins:history")), reverse("checkins:history"))


# Speed: a fixed number of queries, whatever the length of the history


def queries_for(client: object, url: str) -> int:
    client.get(url)  # The first visit of the day chooses today's prompt.
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(("url", "most"), [("dashboard", 3), ("checkins:history", 4)])
def test_query_count_is_the_same_for_one_day_and_three_years(client, url, most):
    create_demo_couples(couples=1, days=1, seed=3)
    create_demo_couples(couples=1, days=3 * 365, seed=3)
    short, long = (User.objects.get(email=f"demo-{n}-a@{DEMO_DOMAIN}") for n in (0, 1))
    assert CheckIn.objects.filter(author__in=[long]).count() > 300

    client.force_login(short)
    one_day = queries_for(client, reverse(url))
    client.force_login(long)
    # Dashboard: the session, the user, and one query for the couple, the partner, today's
    # check-ins, the rhythm and any moved review (today's prompt comes from the cache).
    # History: the session, the user, the couple with the partner, the check-ins.
    three_years = queries_for(client, reverse(url))

    assert one_day == three_years
    assert three_years <= most


def test_dashboard_reveal_across_far_apart_zones(client):
    kiwi = UserFactory(time_zone="Pacific/Kiritimati", display_name="Kiri")  # UTC+14
    islander = UserFactory(time_zone="Pacific/Pago_Pago", display_name="Sina")  # UTC-11
    make_couple(kiwi, islander)
    # Saturday 23:30 in Pago Pago is Monday 00:30 in Kiritimati: two calendar days apart.
    with time_machine.travel(dt.datetime(2026, 11, 22, 10, 30, tzinfo=dt.UTC), tick=False):
        submit(kiwi, note_to_partner="Good morning from Monday")
        client.force_login(islander)
        assert "Kiri has checked in today" in client.get(reverse("dashboard")).text
        submit(islander)
        assert "Good morning from Monday" in client.get(reverse("dashboard")).text
    assert CheckIn.objects.get(author=kiwi).local_date == dt.date(2026, 11, 23)
    assert CheckIn.objects.get(author=islander).local_date == dt.date(2026, 11, 21)


def test_history_odd_range_keeps_a_good_month(client, alice):
    client.force_login(alice)
    with time_machine.travel(dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("checkins:history") + "?month=2026-01&range=7")
    assert "January 2026" in response.text


def test_private_notes_reach_no_page_nor_log_of_the_partner(client, couple, alice, bob, caplog):
    """Bob's private note (the canary) never appears for Alice, on any page she can open."""
    submit(bob)
    mine = submit(alice, private_note="alice-own")
    services.rhythm_set(
        couple=couple,
        weekday=6,
        local_time=dt.time(19),
        duration_minutes=30,
        time_zone="Europe/Paris",
    )
    review = services.review_for_week(couple=couple, week_start=couple.rhythm.week_start())
    bobs = CheckIn.objects.get(author=bob)
    client.force_login(alice)
    urls = [
        reverse("dashboard"),
        reverse("checkins:today"),
        reverse("checkins:history"),
        reverse("checkins:history") + "?range=90",
        reverse("checkins:detail", args=[bobs.pk]),
        reverse("checkins:detail", args=[mine.pk]),
        reverse("checkins:review", args=[review.pk]),
        reverse("checkins:trends"),
        reverse("checkins:calendar"),
        reverse("accounts:profile"),
        reverse("account_email"),
        "/no-such-page/",
    ]
    for url in urls:
        assert CANARY not in client.get(url).text, url
    client.post(reverse("checkins:react", args=[bobs.pk]), {"kind": "hug"})
    client.post(reverse("checkins:today"), {**VALID, "weather": "nonsense"})
    assert CANARY not in caplog.text


def test_today_page_after_moving_into_an_ended_day_says_so(client):
    kiri = UserFactory(time_zone="Pacific/Auckland")
    with time_machine.travel(dt.datetime(2026, 11, 21, 8, tzinfo=dt.UTC), tick=False):
        submit(kiri)  # Saturday 21:00 in Auckland.
    with time_machine.travel(dt.datetime(2026, 11, 21, 20, tzinfo=dt.UTC), tick=False):
        kiri.time_zone = "Europe/London"  # Saturday again, but that Saturday is over.
        kiri.save()
        client.force_login(kiri)
        response = client.get(reverse("checkins:today"))
    assert "You've checked in for Saturday 21 November" in response.text
    assert "Save my check-in" not in response.text
