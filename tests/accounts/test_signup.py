import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from intimacy.accounts import services
from intimacy.accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SIGNUP = {
    "display_name": "Dana",
    "email": "dana@example.com",
    "password1": "a calm harbour at dusk",
    "password2": "a calm harbour at dusk",
    "time_zone": "Pacific/Auckland",
}


def confirmation_link(mailoutbox: list) -> str:
    body = mailoutbox[-1].body
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", body).group(1)


def test_signup_asks_for_email_confirmation_before_login(client, mailoutbox):
    response = client.post(reverse("account_signup"), SIGNUP)

    assert response.status_code == 302
    user = User.objects.get(email="dana@example.com")
    assert (user.display_name, user.time_zone) == ("Dana", "Pacific/Auckland")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["dana@example.com"]
    html, kind = mailoutbox[0].alternatives[0]
    assert kind == "text/html"
    assert confirmation_link(mailoutbox) in html
    # Not logged in yet: the dashboard still asks for a login.
    assert client.get(reverse("dashboard")).status_code == 302


def test_confirming_email_logs_in(client, mailoutbox):
    client.post(reverse("account_signup"), SIGNUP)
    link = confirmation_link(mailoutbox)

    client.post(link)

    assert EmailAddress.objects.get(email="dana@example.com").verified
    assert client.get(reverse("dashboard")).status_code == 200


def test_unverified_user_cannot_log_in(client, mailoutbox):
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert client.get(reverse("dashboard")).status_code == 302


def test_signup_with_an_unknown_time_zone_keeps_what_was_typed(client, mailoutbox):
    response = client.post(reverse("account_signup"), {**SIGNUP, "time_zone": "Atlantis/Deep"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert 'value="Dana"' in response.text
    assert 'value="dana@example.com"' in response.text
    assert not User.objects.exists()
    assert mailoutbox == []


def test_signup_with_a_blank_name_says_so(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "display_name": "   "})
    assert response.status_code == 200
    assert 'id="id_display_name_error"' in response.text
    assert not User.objects.exists()


def test_login_with_email(client, alice):
    response = client.post(
        reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_login_failures_are_rate_limited(client, alice):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "alice@example.com", "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD}
    )
    assert "Too many attempts. Try again in a few minutes." in response.text
    assert client.get(reverse("dashboard")).status_code == 302


def test_signing_up_through_an_invite_link_ends_paired(client, alice, mailoutbox):
    invite = services.couple_create(user=alice).invites.get()
    join_url = reverse("accounts:join", args=[invite.token])
    client.get(join_url)
    assert "Alice invited you to pair" in client.get(reverse("account_signup")).text
    client.post(reverse("account_signup"), SIGNUP)
    client.post(confirmation_link(mailoutbox))

    response = client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[-1][0] == join_url
    client.post(join_url)

    dana = User.objects.get(email="dana@example.com")
    assert services.partner_of(couple=services.current_couple(user=dana), user=dana) == alice


def test_signup_rate_limit_gets_our_page(client):
    for n in range(20):
        client.post(reverse("account_signup"), {**SIGNUP, "email": f"x{n}@example.com"})
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "late@example.com"})
    assert response.status_code == 429
    assert "Please wait a moment" in response.text
    assert '<html lang="en">' in response.text


def test_password_reset_does_not_reveal_accounts(client, alice, mailoutbox):
    known = client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert len(mailoutbox) == 2  # A reset link, and a note to the unknown address.
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body)
    assert link, mailoutbox[0].body


def test_change_email_rejects_an_overlong_address(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("account_email"), {"email": "x" * 300 + "@example.org", "action_add": ""}
    )
    assert response.status_code == 200
    assert "at most 254 characters" in response.text


def test_log_out(client, alice):
    client.force_login(alice)
    client.post(reverse("account_logout"))
    assert client.get(reverse("dashboard")).status_code == 302
