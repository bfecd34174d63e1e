"""Where people land after logging in: a partner on their dashboard, a coach with no couple
of their own on their coaching page (not on "Start your couple")."""

import re

import pytest
from django.test import Client as DjangoClient
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory, current_code, make_couple

pytestmark = pytest.mark.django_db


def log_in(client: DjangoClient, email: str, path: str = "") -> str:
    """Log in as a person does (password, then the authenticator code if asked): where to?"""
    response = client.post(reverse("account_login") + path, {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    if response.url == reverse("mfa_authenticate"):
        response = client.post(reverse("mfa_authenticate"), {"code": current_code(email)})
        assert response.status_code == 302
    return response.url


def test_a_coach_lands_on_the_coaching_page(coach):
    client = DjangoClient()
    assert log_in(client, coach.email) == reverse("coach:home")
    # The address of the site itself leads there too.
    assert client.get(reverse("home")).url == reverse("coach:home")


def test_a_coach_with_a_couple_of_their_own_lands_on_the_dashboard(coach, alice):
    make_couple(coach)  # pending: the coach is waiting for a partner
    assert log_in(DjangoClient(), coach.email) == reverse("dashboard")


def test_a_partner_lands_on_the_dashboard_and_a_next_address_wins(alice, coach):
    assert log_in(DjangoClient(), alice.email) == reverse("dashboard")
    studio = reverse("prompts:studio")
    assert log_in(DjangoClient(), coach.email, f"?next={studio}") == studio


def test_a_coach_who_confirms_their_address_lands_on_the_coaching_page(mailoutbox):
    coach = UserFactory(email="newcoach@example.com", is_coach=True, verified=False, mfa=False)
    client = DjangoClient()
    assert log_in(client, coach.email) == reverse("account_email_verification_sent")
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mailoutbox[-1].body)
    response = client.post(link.group(1))
    assert response.url == reverse("coach:home")
