"""Two-factor authentication: offered to everyone, required of coaches and staff, its secret
encrypted at rest; the admin logs in through the same door; sensitive actions ask again."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.conf import settings
from django.db import connection
from django.test import Client as DjangoClient
from django.urls import reverse

from intimacy.accounts import services
from tests.factories import PASSWORD, UserFactory, code_for

pytestmark = pytest.mark.django_db


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
    for name in ("coach:home", "dashboard", "prompts:studio"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("mfa_activate_totp"))
    turn_on_totp(client)
    assert client.get(reverse("coach:home")).status_code == 200


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


# The set-up journey: our words, one secret, no second password, and a way on.

LIBRARY_WORDS = [
    "Activate Authenticator App",
    "Authenticator App",
    "Two-Factor Authentication",
    "Recovery Codes",
    "Authenticator secret",
    "Sign In",
    "Deactivate",
    "input the verification code",
    "Incorrect code",
]


def assert_our_voice(response) -> None:
    assert response.status_code == 200, response
    found = [w for w in LIBRARY_WORDS if w in response.text]
    assert not found, f"{response.request['PATH_INFO']} speaks allauth's words: {found}"


def test_two_factor_pages_speak_in_the_apps_voice(client, alice):
    client.force_login(alice)
    assert_our_voice(client.get(reverse("mfa_index")))
    assert_our_voice(client.get(reverse("mfa_activate_totp")))
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert_our_voice(wrong)
    assert "didn" in wrong.text  # "That code didn't work", by the field
    turn_on_totp(client)
    assert_our_voice(client.get(reverse("mfa_view_recovery_codes")))
    assert_our_voice(client.get(reverse("mfa_index")))
    assert_our_voice(client.get(reverse("mfa_generate_recovery_codes")))
    assert_our_voice(client.get(reverse("mfa_deactivate_totp")))
    assert_our_voice(client.get(reverse("mfa_reauthenticate")))
    fresh = DjangoClient()
    fresh.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})
    assert_our_voice(fresh.get(reverse("mfa_authenticate")))


def test_the_set_up_page_keeps_one_secret_until_it_is_turned_on(client, alice):
    """A reload (or a second look) must not change the secret someone may have scanned."""
    client.force_login(alice)
    first = client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in first.text  # to read
    client.get(reverse("mfa_activate_totp"))
    assert client.session[SECRET_SESSION_KEY] == secret
    client.post(reverse("mfa_activate_totp"), {"code": "000000"})  # a wrong code
    assert client.session[SECRET_SESSION_KEY] == secret
    response = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert response.status_code == 302
    assert SECRET_SESSION_KEY not in client.session  # used: the next set-up gets a new one


def password_login(email: str) -> DjangoClient:
    client = DjangoClient()
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_staff_who_just_logged_in_are_not_asked_for_the_password_again(db):
    staff = UserFactory(email="boss@example.com", is_staff=True, mfa=False)
    client = password_login(staff.email)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_nor_when_confirming_their_address_interrupted_the_login(mailoutbox):
    staff = UserFactory(email="boss@example.com", is_staff=True, mfa=False, verified=False)
    client = password_login(staff.email)
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mailoutbox[-1].body)
    confirmed = client.post(link.group(1))
    assert confirmed.status_code == 302
    setup = client.get(confirmed.url)
    assert setup.url == reverse("mfa_activate_totp")
    assert client.get(setup.url).status_code == 200  # not the password page


def test_the_password_counts_for_five_minutes_on_every_sensitive_page(alice):
    import datetime as dt

    import time_machine

    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False):
        client = password_login(alice.email)
        for name in ("mfa_activate_totp", "export_json"):
            assert client.get(reverse(name)).status_code == 200, name
    with time_machine.travel(start + dt.timedelta(minutes=5, seconds=1), tick=False):
        for name in ("mfa_activate_totp", "export_json"):
            response = client.get(reverse(name))
            assert response.url.startswith(reverse("account_reauthenticate")), name


def test_after_the_recovery_codes_the_way_on_leads_where_the_coach_was_going(couple, db):
    from intimacy.accounts import services as accounts

    coach = UserFactory(email="newcoach@example.com", is_coach=True, mfa=False)
    join = reverse("coach:join", args=[accounts.coach_invite(couple=couple).token])
    client = password_login(coach.email)
    response = client.get(join)
    assert response.url.startswith(reverse("mfa_activate_totp"))
    client.get(response.url)
    secret = client.session[SECRET_SESSION_KEY]
    done = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    codes = client.get(done.url)
    assert_our_voice(codes)
    assert re.search(rf'<a class="button[^"]*" href="{join}">Continue', codes.text)
    assert "Accept" in client.get(join).text  # set up: the invitation opens now
    # Once there, the way on is spent: the set-up pages lead back to the settings.
    assert join not in client.get(reverse("mfa_view_recovery_codes")).text


def test_someone_who_turned_it_on_from_settings_goes_back_to_settings(client, alice):
    client.force_login(alice)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    done = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    codes = client.get(done.url).text
    assert f'href="{reverse("accounts:profile")}">Back to settings' in codes


@pytest.mark.parametrize(
    ("url_name", "data", "ours"),
    [
        ("account_login", {"login": "alice@example.com", "password": "a guess"}, "don't match"),
        ("account_reauthenticate", {"password": "a guess"}, "That isn't your password"),
        (
            "account_change_password",
            {"oldpassword": "guess", "password1": "a calm new sea", "password2": "a calm new sea"},
            "That isn't your current password",
        ),
    ],
)
def test_wrong_passwords_are_told_in_the_apps_words(client, alice, url_name, data, ours):
    """The class of allauth's wording beyond the two-factor pages: what a wrong password
    is told, wherever one is typed."""
    if url_name != "account_login":
        client.force_login(alice)
    text = client.post(reverse(url_name), data).text.replace("&#x27;", "'")
    assert ours in text
    for theirs in ("not correct", "Incorrect password", "Please type your current password"):
        assert theirs not in text


def test_the_downloaded_codes_say_what_they_are(client, alice):
    client.force_login(alice)
    turn_on_totp(client)
    text = client.get(reverse("mfa_download_recovery_codes")).content.decode()
    assert text.startswith("Recovery codes for Intimacy (alice@example.com)")
    assert len(re.findall(r"^\d{8}$", text, re.M)) == 10


def test_the_way_on_never_leads_off_the_site(db):
    coach = UserFactory(email="newcoach@example.com", is_coach=True, mfa=False)
    client = password_login(coach.email)
    client.get(reverse("coach:home"))  # where logging in leads: set-up comes first
    # A path that, as a link, would lead to another site ("//elsewhere.example/").
    response = client.get("http://testserver//elsewhere.example/")
    assert response.wsgi_request.path == "//elsewhere.example/"
    turn_on_totp(client)
    page = client.get(reverse("mfa_view_recovery_codes")).text
    assert "elsewhere.example" not in page
    assert f'href="{reverse("coach:home")}">Continue' in page  # where logging in led
