"""Every password or secret a person types is rate limited, the way login is: past the limit
the form says so kindly and checks nothing, and the count lives in the cache (Redis in
production), so it holds across every web process."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from intimacy.accounts.models import User
from tests.factories import PASSWORD, current_code

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many attempts. Try again in a few minutes."


def test_password_guesses_when_deleting_an_account_are_limited_as_at_login(client, alice, hashes):
    client.force_login(alice)
    for _ in range(5):
        response = client.post(reverse("account_delete"), {"password": "a guess"})
        assert "That isn&#x27;t your password" in response.text
    hashes.clear()

    response = client.post(reverse("account_delete"), {"password": PASSWORD})

    assert response.status_code == 200
    # Next to the password field, the form still there to try again later.
    assert 'id="id_password_error"' in response.text
    assert TOO_MANY in response.text
    assert 'name="password"' in response.text
    assert hashes == []  # the password was not even checked
    assert User.objects.filter(pk=alice.pk).exists()


def test_guesses_at_deletion_and_at_login_share_one_count(client, alice):
    """A stolen session cannot add its guesses to the login page's: both count per account."""
    client.force_login(alice)
    for _ in range(5):
        client.post(reverse("account_delete"), {"password": "a guess"})

    elsewhere = Client()
    response = elsewhere.post(
        reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD}
    )
    assert TOO_MANY in response.text
    assert elsewhere.get(reverse("dashboard")).status_code == 302


def test_the_right_password_under_the_limit_still_deletes(client, alice):
    client.force_login(alice)
    for _ in range(4):
        client.post(reverse("account_delete"), {"password": "a guess"})
    response = client.post(reverse("account_delete"), {"password": PASSWORD})
    assert "Your account is deleted" in response.text
    assert not User.objects.filter(pk=alice.pk).exists()


def test_reauthentication_shares_the_count_too(alice):
    """allauth's "type your password again" page counts the same way (checked, not changed)."""
    client = Client()
    client.force_login(alice)
    for _ in range(5):
        client.post(reverse("account_reauthenticate"), {"password": "a guess"})
    response = client.post(reverse("account_delete"), {"password": PASSWORD})
    assert TOO_MANY in response.text


def test_two_factor_codes_are_limited_as_passwords_are(client, coach):
    response = client.post(reverse("account_login"), {"login": coach.email, "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")
    right = current_code(coach.email)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": wrong})
    response = client.post(reverse("mfa_authenticate"), {"code": right})
    assert TOO_MANY in response.text
    assert client.get(reverse("dashboard")).status_code == 302  # not logged in


def test_guessing_the_current_password_when_changing_it_is_limited_as_at_login(client, alice):
    """allauth limits the page to 5 posts a minute, which still lets 300 guesses an hour
    through; the current password now counts against the account's login count."""
    client.force_login(alice)
    start = dt.datetime.now(dt.UTC)
    new = {"password1": "a new calm harbour", "password2": "a new calm harbour"}
    for minute in range(2):  # under the page's own limit of 5 a minute
        with time_machine.travel(start + dt.timedelta(seconds=61 * minute)):
            for _ in range(2):
                client.post(reverse("account_change_password"), {"oldpassword": "a guess", **new})
    with time_machine.travel(start + dt.timedelta(seconds=130)):
        client.post(reverse("account_change_password"), {"oldpassword": "a guess", **new})
        response = client.post(reverse("account_change_password"), {"oldpassword": PASSWORD, **new})

    assert response.status_code == 200
    assert TOO_MANY in response.text
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)  # unchanged


def test_the_current_password_still_changes_it(client, alice):
    client.force_login(alice)
    new = {"password1": "a new calm harbour", "password2": "a new calm harbour"}
    wrong = client.post(reverse("account_change_password"), {"oldpassword": "a guess", **new})
    assert "That isn't your current password" in wrong.text.replace("&#x27;", "'")
    response = client.post(reverse("account_change_password"), {"oldpassword": PASSWORD, **new})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a new calm harbour")


def test_the_admins_password_change_is_the_apps_limited_one(client, staff):
    """Django admin's own form checked the old password with no limit at all."""
    client.force_login(staff)
    admin_page = reverse("admin:password_change")
    new = {"new_password1": "a new calm harbour", "new_password2": "a new calm harbour"}
    for _ in range(12):
        response = client.post(admin_page, {"old_password": "a guess", **new})
        assert response.status_code == 302
        assert response.url == reverse("account_change_password")
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    assert client.get(admin_page).url == reverse("account_change_password")


# Invite and coach codes typed by hand: eight characters from 32, so the count per address
# (and per person, where there is one) is what keeps guessing slow.


def ipv6(n: int) -> str:
    """The n-th address of one /64 network: what a single home or server gets."""
    return f"2001:db8:0:1::{n:x}"


def test_invite_code_guesses_are_counted_per_ipv6_network(client):
    for n in range(10):
        client.post(reverse("accounts:join_code"), {"code": "ZZZZZZZZ"}, REMOTE_ADDR=ipv6(n + 1))
    response = client.post(
        reverse("accounts:join_code"), {"code": "ZZZZ-ZZZY"}, REMOTE_ADDR=ipv6(0xFFFF)
    )
    assert "Too many tries" in response.text
    assert 'value="ZZZZ-ZZZY"' in response.text  # what was typed stays
    # Another network is not held up.
    other = client.post(
        reverse("accounts:join_code"), {"code": "ZZZZZZZZ"}, REMOTE_ADDR="2001:db8:0:2::1"
    )
    assert "find an invite with that code" in other.text


def test_coach_code_guesses_are_limited_per_address(client, coach):
    client.force_login(coach)
    for _ in range(10):
        client.post(reverse("coach:join_code"), {"code": "ZZZZZZZZ"})
    response = client.post(reverse("coach:join_code"), {"code": "ZZZZZZZZ"}, follow=True)
    assert "Too many codes tried" in response.text


def test_coach_code_guesses_are_limited_per_person_across_addresses(client, coach):
    client.force_login(coach)
    for n in range(10):
        client.post(reverse("coach:join_code"), {"code": "ZZZZZZZZ"}, REMOTE_ADDR=f"198.51.100.{n}")
    response = client.post(
        reverse("coach:join_code"),
        {"code": "ZZZZZZZZ"},
        REMOTE_ADDR="203.0.113.9",
        follow=True,
    )
    assert "Too many codes tried" in response.text
