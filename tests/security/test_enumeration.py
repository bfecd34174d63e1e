"""Whether an address has an account shows neither in the answer nor in the work behind it.

Timing is what gives it away, and timing tests are flaky, so these count the work instead:
password hashes (Argon2 in production, slow on purpose: by far the largest cost), emails, and
database queries, on both paths of sign-up, login and password reset."""

from dataclasses import dataclass

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

SIGNUP = {
    "display_name": "Dana",
    "password1": "a calm harbour at dusk",
    "password2": "a calm harbour at dusk",
    "time_zone": "Pacific/Auckland",
}


@dataclass(frozen=True)
class Cost:
    answer: tuple[int, str]  # status and where it leads
    hashes: int
    emails: list[tuple[str, list[str]]]  # (sender, content types) of each email sent
    queries: int


def cost(url: str, data: dict[str, str], hashes: list[str]) -> Cost:
    """One POST from a fresh browser, and what it took."""
    hashes.clear()
    sent = len(mail.outbox)
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(url, data)
    emails = [
        (m.from_email, ["text/plain", *(kind for _, kind in getattr(m, "alternatives", []))])
        for m in mail.outbox[sent:]
    ]
    answer = (response.status_code, response.get("Location", ""))
    return Cost(answer, len(hashes), emails, len(queries.captured_queries))


def test_signing_up_with_a_taken_address_costs_what_a_new_one_does(alice, hashes, capsys):
    url = reverse("account_signup")
    new = cost(url, {**SIGNUP, "email": "dana@example.com"}, hashes)
    taken = cost(url, {**SIGNUP, "email": "alice@example.com"}, hashes)

    assert taken.answer == new.answer
    assert new.hashes == 1  # the new account's password
    assert taken.hashes == new.hashes
    # One email each, the same kind, sent the same way (in the request, text and HTML).
    assert new.emails == taken.emails == [(new.emails[0][0], ["text/plain", "text/html"])]
    with capsys.disabled():
        print(f"\nsign-up: queries new {new.queries}, taken {taken.queries}")


def test_logging_in_with_an_unknown_address_costs_what_a_wrong_password_does(alice, hashes):
    url = reverse("account_login")
    unknown = cost(url, {"login": "nobody@example.com", "password": "a guess"}, hashes)
    known = cost(url, {"login": "alice@example.com", "password": "a guess"}, hashes)

    assert unknown.answer == known.answer
    assert known.hashes >= 1
    assert unknown.hashes == known.hashes  # allauth hashes the guess for an unknown address
    assert unknown.emails == known.emails == []
    assert abs(unknown.queries - known.queries) <= 1


def test_resetting_the_password_of_an_unknown_address_costs_what_a_known_one_does(alice, hashes):
    url = reverse("account_reset_password")
    unknown = cost(url, {"email": "nobody@example.com"}, hashes)
    known = cost(url, {"email": "alice@example.com"}, hashes)

    assert unknown.answer == known.answer
    assert unknown.hashes == known.hashes == 0
    assert len(known.emails) == 1  # the reset link; the unknown address hears it has none
    assert unknown.emails == known.emails
    assert abs(unknown.queries - known.queries) <= 1
