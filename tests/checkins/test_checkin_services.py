import datetime as dt
import threading

import pytest
from django.db import connection

from checkins.models import CheckIn, Reaction
from checkins.selectors.checkin import visible_checkin
from checkins.selectors.dashboard import dashboard_state
from checkins.services import CheckInError, reaction_set, reaction_undo, shared_view
from intimacy.accounts.models import Invite
from intimacy.accounts.services import couple_join
from tests.factories import CANARY, UserFactory, at, make_couple, submit

pytestmark = pytest.mark.django_db


def test_second_submit_the_same_day_updates_the_same_row(couple, alice):
    first = submit(alice, weather="foggy")
    second = submit(alice, weather="sunny", energy=5)

    assert first.pk == second.pk
    assert CheckIn.objects.get().weather == "sunny"
    assert CheckIn.objects.get().energy == 5


@pytest.mark.parametrize(
    ("zone", "utc", "local_date"),
    [
        # 23:30 local counts for that local day, at UTC+13 and UTC-10.
        ("Pacific/Auckland", (2026, 11, 21, 10, 30), dt.date(2026, 11, 21)),
        ("Pacific/Honolulu", (2026, 11, 22, 9, 30), dt.date(2026, 11, 21)),
        # Just after midnight the new local day begins.
        ("Pacific/Auckland", (2026, 11, 21, 11, 5), dt.date(2026, 11, 22)),
        ("Pacific/Honolulu", (2026, 11, 22, 10, 5), dt.date(2026, 11, 22)),
        # London's clocks go forward at 01:00 UTC on 29 March 2026: 00:30 is still the 29th.
        ("Europe/London", (2026, 3, 29, 0, 30), dt.date(2026, 3, 29)),
        ("Europe/London", (2026, 3, 28, 23, 59), dt.date(2026, 3, 28)),
        # And back at 01:00 UTC on 25 October: 23:30 local is 23:30 UTC after the change.
        ("Europe/London", (2026, 10, 25, 23, 30), dt.date(2026, 10, 25)),
    ],
)
def test_checkin_counts_for_the_authors_local_day(zone, utc, local_date):
    person = UserFactory(time_zone=zone)
    with at(*utc):
        assert submit(person).local_date == local_date


def test_partners_in_far_apart_zones_each_have_their_own_today():
    kiwi = UserFactory(time_zone="Pacific/Auckland")  # UTC+13 in November
    islander = UserFactory(time_zone="Pacific/Honolulu")  # UTC-10
    make_couple(kiwi, islander)
    with at(2026, 11, 21, 20, 0):  # Sunday 09:00 in Auckland, Saturday 10:00 in Honolulu.
        assert submit(kiwi).local_date == dt.date(2026, 11, 22)
        assert submit(islander).local_date == dt.date(2026, 11, 21)
        card = dashboard_state(user=islander).today
    assert card.partner_checkin is not None
    assert card.partner_checkin.local_date == dt.date(2026, 11, 22)


def test_nobody_goes_first(couple, alice, bob, bobs_checkin):
    before = dashboard_state(user=alice).today
    assert before.partner_checked_in is True
    assert before.partner_checkin is None

    submit(alice)
    after = dashboard_state(user=alice).today

    assert after.partner_checkin.id == bobs_checkin.pk


def test_yesterdays_checkin_does_not_reveal_today(couple, alice, bob):
    with at(2026, 11, 20, 12):
        submit(alice)
    with at(2026, 11, 21, 12):
        submit(bob)
        card = dashboard_state(user=alice).today
    assert card.partner_checked_in is True
    assert card.partner_checkin is None


@pytest.mark.parametrize(
    ("level", "energy", "needs", "tags", "note"),
    [
        ("weather", None, None, None, None),
        ("needs", 2, ("Comfort",), None, None),
        ("all", 2, ("Comfort",), ("Work",), "Long day, hug later?"),
    ],
)
def test_disclosure_levels(couple, bob, level, energy, needs, tags, note):
    view = shared_view(checkin=submit(bob, disclosure=level))
    assert (view.weather, view.energy) == ("rainy", energy)
    assert (view.needs, view.tags, view.note_to_partner) == (needs, tags, note)


def test_the_shared_view_has_no_private_note(couple, bob):
    view = shared_view(checkin=submit(bob, disclosure="all"))
    assert CANARY not in repr(view)
    assert not hasattr(view, "private_note")


def test_reacting_and_undoing(couple, alice, bob, bobs_checkin, alices_checkin):
    reaction_set(checkin=bobs_checkin, author=alice, kind="hug")
    reaction_set(checkin=bobs_checkin, author=alice, kind="talk_tonight")

    assert Reaction.objects.get().kind == "talk_tonight"
    assert dashboard_state(user=bob).today.reaction_to_mine == "talk_tonight"

    reaction_undo(checkin=bobs_checkin, author=alice)
    assert not Reaction.objects.exists()


def test_cannot_react_to_your_own_checkin(couple, bob, bobs_checkin):
    with pytest.raises(CheckInError):
        reaction_set(checkin=bobs_checkin, author=bob, kind="hug")


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_submitting_at_once_make_one_row(alice):
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def tab(weather: str) -> None:
        try:
            barrier.wait()
            submit(alice, weather=weather)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tab, args=(w,)) for w in ("sunny", "stormy")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert CheckIn.objects.filter(author=alice).count() == 1


def test_changing_time_zone_does_not_get_round_the_reveal():
    kiri = UserFactory(time_zone="Pacific/Auckland", display_name="Kiri")
    lou = UserFactory(time_zone="Europe/London", display_name="Lou")
    couple = make_couple(kiri, lou)
    with at(2026, 11, 21, 8, 0):  # Saturday 21:00 in Auckland.
        submit(kiri)
    with at(2026, 11, 21, 20, 0):  # Sunday 09:00 in Auckland; Saturday 20:00 in London.
        submit(lou, note_to_partner="secret-ish")
        assert dashboard_state(user=kiri).today.partner_checkin is None
        kiri.time_zone = "Europe/London"  # Now Kiri's "today" is Saturday again...
        kiri.save()
        card = dashboard_state(user=kiri).today
        # ...but her Saturday check-in's day ended in Auckland: still nobody goes first.
        assert card.partner_checked_in is True
        assert card.partner_checkin is None
        with pytest.raises(CheckInError):
            submit(kiri, weather="stormy")  # Nor can she rewrite an ended day.
    assert CheckIn.objects.get(author=kiri).weather == "rainy"
    assert couple.pk


def test_checkins_made_before_pairing_stay_private():
    cara = UserFactory(display_name="Cara")
    dan = UserFactory(display_name="Dan")
    pending = make_couple(cara)
    early = submit(cara, note_to_partner="before you came")
    couple_join(invite=Invite.objects.get(couple=pending), user=dan)
    early.refresh_from_db()
    assert early.couple is None
    submit(dan)
    assert dashboard_state(user=dan).today.partner_checked_in is False
    assert submit(cara).couple == pending


def test_a_checkin_from_before_pairing_opens_nothing():
    """Eve checked in while waiting for a partner; Finn joins and checks in. Nobody goes first:
    Eve must share today's check-in with Finn before she sees his."""
    eve = UserFactory(display_name="Eve")
    finn = UserFactory(display_name="Finn")
    pending = make_couple(eve)
    submit(eve)
    couple_join(invite=Invite.objects.get(couple=pending), user=finn)
    submit(finn)

    card = dashboard_state(user=eve).today
    assert card.partner_checked_in is True
    assert card.partner_checkin is None
    assert card.mine_unshared is True
    finns = CheckIn.objects.get(author=finn)
    assert visible_checkin(viewer=eve, checkin_id=finns.pk, couple=pending) is None

    submit(eve)  # Saving again shares it with the couple.
    assert dashboard_state(user=eve).today.partner_checkin.id == finns.pk
