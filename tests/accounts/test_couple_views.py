import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from intimacy.accounts import services
from intimacy.accounts.models import Couple, Invite
from tests.factories import UserFactory, make_couple

pytestmark = pytest.mark.django_db


def login_url(next_url: str) -> str:
    return f"{reverse('account_login')}?next={next_url}"


# Dashboard


def test_dashboard_shows_partner(client, couple, alice):
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "You and Bob" in response.text


def test_dashboard_shows_open_invite_while_unpaired(client, alice):
    couple = services.couple_create(user=alice)
    invite = couple.invites.get()
    client.force_login(alice)

    response = client.get(reverse("dashboard"))

    assert reverse("accounts:join", args=[invite.token]) in response.text
    assert invite.display_code in response.text


def test_dashboard_never_shows_another_couples_invite(client, charlie_couple, alice):
    invite = charlie_couple.invites.get()
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert invite.token not in response.text
    assert invite.display_code not in response.text


def test_dashboard_sends_anonymous_to_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url == login_url(reverse("dashboard"))


def test_dashboard_query_count_is_fixed(client, couple, alice, django_assert_max_num_queries):
    client.force_login(alice)
    client.get(reverse("dashboard"))  # The first visit of the day chooses today's prompt.
    # The session, the user, the couple with both partners' check-ins (today's prompt, the
    # same for both all day, comes from the cache).
    with django_assert_max_num_queries(3):
        client.get(reverse("dashboard"))


# Starting a couple


def test_start_couple(client, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:couple_create"))
    assert response.status_code == 302
    assert services.current_couple(user=alice).status == Couple.Status.PENDING


def test_start_couple_twice_says_why(client, couple, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:couple_create"), follow=True)
    assert "already in a couple" in response.text
    assert Couple.objects.count() == 1


def test_start_couple_anonymous_goes_to_login(client):
    response = client.post(reverse("accounts:couple_create"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert Couple.objects.count() == 0


def test_start_couple_by_get_goes_back_to_the_dashboard(client, alice):
    client.force_login(alice)
    response = client.get(reverse("accounts:couple_create"))
    assert response.url == reverse("dashboard")
    assert Couple.objects.count() == 0


# New invite


def test_new_invite_replaces_old(client, alice):
    couple = services.couple_create(user=alice)
    old = couple.invites.get()
    client.force_login(alice)

    response = client.post(reverse("accounts:invite_new", args=[couple.pk]))

    assert response.status_code == 302
    old.refresh_from_db()
    assert old.status == Invite.Status.REVOKED
    assert couple.invites.filter(status=Invite.Status.OPEN).count() == 1


def test_new_invite_for_another_couple_is_404(client, charlie_couple, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:invite_new", args=[charlie_couple.pk]))
    assert response.status_code == 404
    assert charlie_couple.invites.count() == 1


def test_new_invite_anonymous_goes_to_login(client, charlie_couple):
    response = client.post(reverse("accounts:invite_new", args=[charlie_couple.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_new_invite_when_paired_says_why(client, couple, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:invite_new", args=[couple.pk]), follow=True)
    assert "already has two partners" in response.text


# Revoke invite


def test_revoke_invite(client, alice):
    invite = services.couple_create(user=alice).invites.get()
    client.force_login(alice)
    response = client.post(reverse("accounts:invite_revoke", args=[invite.pk]))
    assert response.status_code == 302
    invite.refresh_from_db()
    assert invite.status == Invite.Status.REVOKED


def test_revoke_another_couples_invite_is_404(client, charlie_couple, alice):
    invite = charlie_couple.invites.get()
    client.force_login(alice)
    response = client.post(reverse("accounts:invite_revoke", args=[invite.pk]))
    assert response.status_code == 404
    invite.refresh_from_db()
    assert invite.status == Invite.Status.OPEN


def test_revoke_invite_anonymous_goes_to_login(client, charlie_couple):
    invite = charlie_couple.invites.get()
    response = client.post(reverse("accounts:invite_revoke", args=[invite.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_revoking_a_used_invite_says_so(client, couple, alice):
    invite = couple.invites.get()
    client.force_login(alice)
    response = client.post(reverse("accounts:invite_revoke", args=[invite.pk]), follow=True)
    assert "already used, expired or withdrawn" in response.text


def test_dashboard_says_when_the_invite_expired(client, alice):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        services.couple_create(user=alice)
    client.force_login(alice)
    with time_machine.travel(dt.datetime(2026, 1, 9, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("dashboard"))
    assert "Your last invite expired" in response.text


def test_cancelled_pending_couple_is_not_called_an_ended_couple(client, alice):
    services.couple_end(couple=services.couple_create(user=alice))
    client.force_login(alice)
    assert "Your last couple ended" not in client.get(reverse("dashboard")).text


def test_revoke_with_htmx_returns_the_panel(client, alice):
    invite = services.couple_create(user=alice).invites.get()
    client.force_login(alice)
    response = client.post(
        reverse("accounts:invite_revoke", args=[invite.pk]),
        headers={"HX-Request": "true"},
        follow=True,
    )
    assert 'id="couple-panel"' in response.text
    assert "no open invite" in response.text


# End couple


def test_end_couple_asks_first(client, couple, alice):
    client.force_login(alice)
    response = client.get(reverse("accounts:couple_end", args=[couple.pk]))
    assert response.status_code == 200
    assert "End your couple with Bob?" in response.text
    couple.refresh_from_db()
    assert couple.status == Couple.Status.ACTIVE


def test_end_couple(client, couple, bob, alice):
    client.force_login(bob)
    response = client.post(reverse("accounts:couple_end", args=[couple.pk]))
    assert response.status_code == 302
    couple.refresh_from_db()
    assert couple.status == Couple.Status.ENDED
    client.force_login(alice)
    assert "Your last couple ended" in client.get(reverse("dashboard")).text


def test_end_another_couple_is_404(client, couple, charlie):
    client.force_login(charlie)
    assert client.get(reverse("accounts:couple_end", args=[couple.pk])).status_code == 404
    assert client.post(reverse("accounts:couple_end", args=[couple.pk])).status_code == 404
    couple.refresh_from_db()
    assert couple.status == Couple.Status.ACTIVE


def test_end_couple_anonymous_goes_to_login(client, couple):
    url = reverse("accounts:couple_end", args=[couple.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == login_url(url)


def test_ex_partner_cannot_reach_ended_couple(client, couple, alice):
    services.couple_end(couple=couple)
    client.force_login(alice)
    assert client.get(reverse("accounts:couple_end", args=[couple.pk])).status_code == 404


# Joining by link


def test_join_by_link(client, alice, bob):
    invite = services.couple_create(user=alice).invites.get()
    client.force_login(bob)
    url = reverse("accounts:join", args=[invite.token])

    assert "Pair with Alice?" in client.get(url).text
    response = client.post(url)

    assert response.status_code == 302
    assert services.current_couple(user=bob).status == Couple.Status.ACTIVE


def test_join_link_for_visitor_invites_to_sign_up_and_remembers(client, alice):
    invite = services.couple_create(user=alice).invites.get()
    url = reverse("accounts:join", args=[invite.token])

    response = client.get(url)

    assert response.status_code == 200
    assert "Alice would like to pair with you" in response.text
    assert client.session["pending_invite_token"] == invite.token


def test_after_signing_up_the_dashboard_leads_back_to_the_invite_once(client, alice, charlie):
    invite = services.couple_create(user=alice).invites.get()
    client.get(reverse("accounts:join", args=[invite.token]))
    client.force_login(charlie)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:join", args=[invite.token])
    # "Not now" leads to the dashboard, which no longer sends them back.
    assert client.get(reverse("dashboard")).status_code == 200


def test_visitor_posting_to_join_link_does_not_pair(client, alice):
    invite = services.couple_create(user=alice).invites.get()
    response = client.post(reverse("accounts:join", args=[invite.token]))
    assert response.status_code == 200
    invite.refresh_from_db()
    assert invite.status == Invite.Status.OPEN


@pytest.mark.parametrize("token", ["nope", "x" * 64, "%00", "a" * 500, "%F0%9F%92%94"])
def test_malformed_invite_link_gets_a_clear_page(client, bob, token):
    client.force_login(bob)
    response = client.get(f"/join/{token}/")
    assert response.status_code == 404
    assert "couldn't find that invite" in response.text


def test_invite_path_with_slashes_gets_our_404_page(client, bob):
    client.force_login(bob)
    response = client.get("/join/../../etc/")
    assert response.status_code == 404
    assert "couldn't find that page" in response.text


def test_used_invite_tells_the_partners_they_are_in_it(client, couple, bob):
    client.force_login(bob)
    response = client.get(reverse("accounts:join", args=[couple.invites.get().token]))
    assert response.status_code == 410
    assert "already in this couple" in response.text


def test_used_invite_gets_a_clear_page(client, couple, charlie):
    invite = couple.invites.get()
    client.force_login(charlie)
    response = client.get(reverse("accounts:join", args=[invite.token]))
    assert response.status_code == 410
    assert "already been used" in response.text


def test_revoked_invite_gets_a_clear_page(client, alice, bob):
    invite = services.couple_create(user=alice).invites.get()
    services.invite_revoke(invite=invite)
    client.force_login(bob)
    response = client.post(reverse("accounts:join", args=[invite.token]))
    assert response.status_code == 410
    assert "withdrawn" in response.text
    assert services.current_couple(user=bob) is None


def test_expired_invite_gets_a_clear_page(client, alice, bob):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        invite = services.couple_create(user=alice).invites.get()
    client.force_login(bob)
    with time_machine.travel(dt.datetime(2026, 1, 9, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("accounts:join", args=[invite.token]))
    assert response.status_code == 410
    assert "expired" in response.text


def test_own_invite_gets_a_clear_page(client, alice):
    invite = services.couple_create(user=alice).invites.get()
    client.force_login(alice)
    response = client.post(reverse("accounts:join", args=[invite.token]))
    assert response.status_code == 410
    assert "your own invite" in response.text


def test_already_paired_gets_a_clear_page(client, couple, alice, charlie):
    invite = services.couple_create(user=charlie).invites.get()
    client.force_login(alice)
    response = client.get(reverse("accounts:join", args=[invite.token]))
    assert response.status_code == 410
    assert "already paired" in response.text


# Joining by code


def test_join_by_code_finds_the_invite(client, alice, bob):
    invite = services.couple_create(user=alice).invites.get()
    client.force_login(bob)
    typed = invite.display_code.lower()
    response = client.post(reverse("accounts:join_code"), {"code": typed})
    assert response.status_code == 302
    assert response.url == reverse("accounts:join", args=[invite.token])


@pytest.mark.parametrize(
    "dash",
    [
        "\u2011",  # the non-breaking hyphen of the example under the field, copied
        "\u2013",  # an en dash: phones turn "-" into one
        " \u2014 ",
        "\u2212",  # a minus sign
        "",
    ],
)
def test_join_by_code_takes_any_dash_and_wide_letters(client, alice, bob, coach, dash):
    invite = services.couple_create(user=alice).invites.get()
    client.force_login(bob)
    typed = invite.code[:4] + dash + invite.code[4:]
    response = client.post(reverse("accounts:join_code"), {"code": typed})
    assert response.url == reverse("accounts:join", args=[invite.token]), typed
    wide = "".join(chr(ord(c) + 0xFEE0) for c in invite.display_code)  # full-width keyboard
    response = client.post(reverse("accounts:join_code"), {"code": wide})
    assert response.url == reverse("accounts:join", args=[invite.token])
    link = services.coach_invite(couple=make_couple(UserFactory(), UserFactory()))
    client.force_login(coach)
    typed = link.code[:4] + dash + link.code[4:]
    response = client.post(reverse("coach:join_code"), {"code": typed})
    assert response.url == reverse("coach:join", args=[link.token]), typed


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "This field is required"),
        ("K7QF", "look like an invite code"),
        ("ZZZZ-ZZZZ", "find an invite with that code"),
        ("<script>" * 2, "look like an invite code"),
    ],
)
def test_join_by_code_bad_input_keeps_what_was_typed(client, bob, typed, message):
    client.force_login(bob)
    response = client.post(reverse("accounts:join_code"), {"code": typed})
    assert response.status_code == 200
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    if typed:
        assert f'value="{escape(typed)}"' in response.text


def test_join_by_code_is_rate_limited(client, bob):
    client.force_login(bob)
    for _ in range(10):
        client.post(reverse("accounts:join_code"), {"code": "ZZZZZZZZ"})
    response = client.post(reverse("accounts:join_code"), {"code": "ZZZZZZZZ"})
    assert "Too many tries" in response.text


# Profile


def test_profile_updates_name_and_zone(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("accounts:profile"), {"display_name": "  Ali  ", "time_zone": "Pacific/Auckland"}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.display_name, alice.time_zone) == ("Ali", "Pacific/Auckland")


def test_profile_unknown_zone_keeps_typed_name(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("accounts:profile"), {"display_name": "Alicia", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert 'value="Alicia"' in response.text
    alice.refresh_from_db()
    assert alice.time_zone == "Europe/Paris"


@pytest.mark.parametrize("name", ["\u202eecilA", "\u200b\u200bAlice", "Al\u0000ice"])
def test_profile_name_loses_invisible_control_characters(client, alice, name):
    client.force_login(alice)
    client.post(reverse("accounts:profile"), {"display_name": name, "time_zone": "UTC"})
    alice.refresh_from_db()
    assert all(c.isprintable() for c in alice.display_name)


def test_profile_name_of_only_invisible_characters_is_refused(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("accounts:profile"), {"display_name": "\u200b\u200b", "time_zone": "UTC"}
    )
    assert "Please tell us what to call you" in response.text


def test_profile_anonymous_goes_to_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response.url == login_url(reverse("accounts:profile"))


def test_home_for_visitors_and_redirect_for_partners(client, alice):
    assert "A few quiet minutes a day" in client.get(reverse("home")).text
    client.force_login(alice)
    assert client.get(reverse("home")).url == reverse("dashboard")


def test_healthz(client, db):
    assert client.get("/healthz/").text == "ok"


def test_join_by_code_works_for_visitors_too(client, alice):
    invite = services.couple_create(user=alice).invites.get()
    response = client.post(reverse("accounts:join_code"), {"code": invite.code}, follow=True)
    assert "Alice would like to pair with you" in response.text
