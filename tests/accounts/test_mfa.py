"""Two-factor authentication: offered to everyone, required of coaches and staff, its secret
encrypted at rest; the admin logs in through the same door; sensitive actions ask again."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.db import connection
from django.test import Client as DjangoClient
from django.urls import reverse

from intimacy.accounts import services
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def code_for(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def turn_on_totp(client) -> str:
    """What a person does with their authenticator app: read the secret, type the code."""
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert response.status_code == 302, response.content[:300]
    return secret


def test_a_coach_must_set_up_two_factor_before_anything_else(client):
    coach = UserFactory(email="newcoach@example.com", is_coach=True, mfa=False)
    client.force_login(coach)
    for name in ("coach_home", "dashboard", "prompts:studio"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("mfa_activate_totp"))
    turn_on_totp(client)
    assert client.get(reverse("coach_home")).status_code == 200


def test_staff_must_too_and_the_admin_logs_in_through_allauth(client):
    staff = UserFactory(email="boss@example.com", is_staff=True, is_superuser=True, mfa=False)
    anonymous = DjangoClient()
    login = anonymous.get(f"/{settings.ADMIN_URL}login/")
    assert login.status_code == 302
    assert login.url.startswith(reverse("account_login"))  # rate limits and 2FA apply
    client.force_login(staff)
    response = client.get(f"/{settings.ADMIN_URL}")
    assert response.url.startswith(reverse("mfa_activate_totp"))


def test_a_partner_may_turn_it_on_and_then_logs_in_with_a_code(client, alice):
    client.force_login(alice)
    assert client.get(reverse("dashboard")).status_code == 200  # not required of partners
    secret = turn_on_totp(client)
    stored = Authenticator.objects.get(user=alice, type=Authenticator.Type.TOTP)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [stored.pk])
        raw = str(cursor.fetchone()[0])
    assert secret not in raw  # encrypted at rest, with keys apart from SECRET_KEY
    assert "enc1:" in raw
    fresh = DjangoClient()
    step = fresh.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})
    assert step.url == reverse("mfa_authenticate")
    assert fresh.get(reverse("dashboard")).status_code == 302  # not in yet
    done = fresh.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    assert done.status_code == 302
    assert fresh.get(reverse("dashboard")).status_code == 200


def test_sensitive_actions_ask_for_the_password_again(couple, alice, coach):
    link = services.coach_link_accept(link=services.coach_invite(couple=couple), coach=coach)
    stale = DjangoClient()
    stale.force_login(alice)
    for url, data in (
        (reverse("accounts:couple_end", args=[couple.pk]), {}),
        (reverse("accounts:coach_revoke", args=[link.pk]), {}),
        (reverse("accounts:coach_scope", args=[link.pk]), {"share_reviews": "on"}),
        (reverse("accounts:couple_coach", args=[couple.pk]), {}),
        (reverse("account_email"), {"action_add": "", "email": "new@example.com"}),
        (reverse("mfa_activate_totp"), {"code": "123456"}),
        (reverse("export_json"), {}),
    ):
        response = stale.post(url, data)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_reauthenticate")), url
    # Changing the password asks for the current one in its own form.
    assert 'name="oldpassword"' in stale.get(reverse("account_change_password")).text
    couple.refresh_from_db()
    assert couple.status == "active"
    link.refresh_from_db()
    assert link.status == "active"
    assert not link.share_reviews
    assert not alice.emailaddress_set.filter(email="new@example.com").exists()


def test_login_and_password_reset_do_not_reveal_who_has_an_account(alice, mailoutbox):
    known, unknown = DjangoClient(), DjangoClient()
    answers = [
        c.post(reverse("account_login"), {"login": email, "password": "wrong password"})
        for c, email in ((known, alice.email), (unknown, "nobody@example.com"))
    ]
    assert answers[0].status_code == answers[1].status_code == 200
    errors = [re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', a.text, re.S) for a in answers]
    assert errors[0]
    assert errors[0] == errors[1]
    resets = [
        c.post(reverse("account_reset_password"), {"email": email})
        for c, email in ((known, alice.email), (unknown, "nobody@example.com"))
    ]
    assert resets[0].status_code == resets[1].status_code == 302
    assert resets[0].url == resets[1].url
