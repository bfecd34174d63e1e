import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from intimacy.accounts import services
from intimacy.accounts.models import Couple, Invite, Membership
from tests.factories import UserFactory, make_couple

pytestmark = pytest.mark.django_db


def test_creating_a_couple_opens_an_invite(alice):
    couple = services.couple_create(user=alice)

    assert couple.status == Couple.Status.PENDING
    invite = couple.invites.get()
    assert invite.status == Invite.Status.OPEN
    assert invite.created_by == alice
    assert len(invite.code) == 8
    assert Invite.is_well_formed_code(invite.code)


def test_a_new_invite_replaces_the_open_one(alice):
    couple = services.couple_create(user=alice)
    old = couple.invites.get()

    new = services.invite_create(couple=couple, by=alice)

    old.refresh_from_db()
    assert old.status == Invite.Status.REVOKED
    assert new.status == Invite.Status.OPEN
    assert new.token != old.token
    assert new.code != old.code


def test_joining_pairs_the_two_partners(alice, bob):
    couple = services.couple_create(user=alice)
    invite = couple.invites.get()

    services.couple_join(invite=invite, user=bob)

    couple.refresh_from_db()
    invite.refresh_from_db()
    assert couple.status == Couple.Status.ACTIVE
    assert couple.paired_at is not None
    assert invite.status == Invite.Status.USED
    assert invite.used_by == bob
    assert services.partner_of(couple=couple, user=alice) == bob
    assert services.partner_of(couple=couple, user=bob) == alice
    assert services.current_couple(user=bob) == couple


def test_an_invite_works_once(alice, bob, charlie):
    couple = services.couple_create(user=alice)
    invite = couple.invites.get()
    services.couple_join(invite=invite, user=bob)

    with pytest.raises(services.InviteError) as exc:
        services.couple_join(invite=invite, user=charlie)

    assert exc.value.reason == "used"
    assert couple.memberships.count() == 2
    invite.refresh_from_db()
    # The two partners themselves are told they are already in it.
    for partner in (alice, bob):
        with pytest.raises(services.InviteError) as exc:
            services.invite_check(invite=invite, user=partner)
        assert exc.value.reason == "member"


def test_revoking_says_whether_anything_changed(alice):
    invite = services.couple_create(user=alice).invites.get()
    assert services.invite_revoke(invite=invite) is True
    assert services.invite_revoke(invite=invite) is False


def test_own_invite_cannot_be_used(alice):
    invite = services.couple_create(user=alice).invites.get()

    with pytest.raises(services.InviteError) as exc:
        services.couple_join(invite=invite, user=alice)

    assert exc.value.reason == "own"


def test_revoked_invite_cannot_be_used(alice, bob):
    invite = services.couple_create(user=alice).invites.get()
    services.invite_revoke(invite=invite)

    with pytest.raises(services.InviteError) as exc:
        services.couple_join(invite=invite, user=bob)

    assert exc.value.reason == "revoked"


def test_invite_expires_after_seven_days(alice, bob):
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        invite = services.couple_create(user=alice).invites.get()
    with time_machine.travel(dt.datetime(2026, 3, 8, 11, 59, tzinfo=dt.UTC), tick=False):
        services.invite_check(invite=invite, user=bob)  # Still good a minute before.
    with (
        time_machine.travel(dt.datetime(2026, 3, 8, 12, 0, 1, tzinfo=dt.UTC), tick=False),
        pytest.raises(services.InviteError) as exc,
    ):
        services.couple_join(invite=invite, user=bob)

    assert exc.value.reason == "expired"


def test_someone_already_paired_cannot_join_another_couple(couple, alice, charlie):
    invite = services.couple_create(user=charlie).invites.get()

    with pytest.raises(services.InviteError) as exc:
        services.couple_join(invite=invite, user=alice)

    assert exc.value.reason == "paired"


def test_joining_withdraws_your_own_pending_couple(alice, bob):
    bobs_own = services.couple_create(user=bob)
    invite = services.couple_create(user=alice).invites.get()

    services.couple_join(invite=invite, user=bob)

    bobs_own.refresh_from_db()
    assert bobs_own.status == Couple.Status.ENDED
    assert bobs_own.invites.get().status == Invite.Status.REVOKED


def test_cannot_start_a_second_couple(couple, alice):
    with pytest.raises(services.CoupleError):
        services.couple_create(user=alice)


def test_either_partner_ends_the_couple_alone(couple, alice, bob):
    services.couple_end(couple=couple)

    couple.refresh_from_db()
    assert couple.status == Couple.Status.ENDED
    assert couple.ended_at is not None
    assert services.current_couple(user=alice) is None
    assert services.current_couple(user=bob) is None
    # Both are free to start again.
    assert services.couple_create(user=bob).status == Couple.Status.PENDING


def test_database_refuses_a_third_partner(couple, charlie):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(couple=couple, user=charlie, slot=3)


def test_database_refuses_two_active_couples_for_one_person(couple, alice, charlie):
    other = Couple.objects.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(couple=other, user=alice, slot=1)


def test_database_refuses_two_open_invites_per_couple(alice):
    couple = services.couple_create(user=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invite.objects.create(couple=couple, created_by=alice)


def test_expiring_invites_is_safe_to_run_twice(alice, charlie):
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        services.couple_create(user=alice)
    with time_machine.travel(dt.datetime(2026, 3, 7, 12, tzinfo=dt.UTC), tick=False):
        services.couple_create(user=charlie)

    with time_machine.travel(dt.datetime(2026, 3, 9, tzinfo=dt.UTC), tick=False):
        assert services.invites_expire() == 1
        assert services.invites_expire() == 0

    assert Invite.objects.filter(status=Invite.Status.EXPIRED).get().created_by == alice


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("k7qf-9mzp", "K7QF9MZP"), (" K7QF 9MZP ", "K7QF9MZP"), ("o1lI-aaaa", "0111AAAA")],
)
def test_codes_are_read_the_way_people_type_them(typed, expected):
    assert Invite.normalise_code(typed) == expected


def test_couple_lookups_are_scoped_to_the_user(couple, alice, charlie):
    assert list(Couple.objects.for_user(alice)) == [couple]
    assert list(Couple.objects.for_user(charlie)) == []
    assert make_couple(UserFactory()).status == Couple.Status.PENDING
