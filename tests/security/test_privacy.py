"""A partner's export and deletion: everything of theirs, nothing private of anyone else, and
after deletion no row anywhere refers to them."""

import datetime as dt
import json
import re

import pytest
import redis
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client
from django.urls import reverse

from checkins import services as checkins
from checkins.models import Review
from intimacy.accounts import services as accounts
from intimacy.accounts.models import Couple, User
from intimacy.accounts.selectors import landing_url
from intimacy.nudges.schedule import nudges_set_up
from intimacy.privacy import NOT_EXPORTED, REGISTRY
from prompts.models import Prompt, PromptLog
from tests.factories import PASSWORD, current_code, submit

pytestmark = pytest.mark.django_db

BOB_PRIVATE = "BOB-PRIVATE-canary-55a1"
BOB_DRAFT = "BOB-UNREVEALED-answer-canary-9e02"
ALICE_PRIVATE = "ALICE-own-private-note-3c7"


def log_in(client: Client, user: User) -> None:
    """Through the real login form, then the password again, as a partner would."""
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    if response.url == reverse("mfa_authenticate"):  # coaches and staff: their app's code
        response = client.post(reverse("mfa_authenticate"), {"code": current_code(user.email)})
    assert response.url == landing_url(user=user), response.url
    # Sensitive pages ask for the password again (allauth's reauthentication): give it.
    again = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert again.status_code == 302


def personal_models() -> list[type[models.Model]]:
    """Every model that is a user or points straight at a user or a couple."""
    found = []
    for model in apps.get_models():
        links = [
            f.related_model
            for f in model._meta.get_fields()
            if f.is_relation and f.concrete and (f.many_to_one or f.one_to_one)
        ]
        if model is User or User in links or Couple in links:
            found.append(model)
    return found


def test_every_model_holding_personal_data_is_in_the_registry(capsys):
    found = personal_models()
    missing = [m._meta.label for m in found if m._meta.label not in {**REGISTRY, **NOT_EXPORTED}]
    assert missing == [], f"Add these to intimacy/privacy.py's REGISTRY or NOT_EXPORTED: {missing}"
    with capsys.disabled():
        print(f"\nprivacy registry: {len(found)} models with personal data, all accounted for")


@pytest.fixture
def world(couple, alice, bob):
    """Both partners write: private notes, a revealed week and one Bob has not submitted."""
    submit(alice, private_note=ALICE_PRIVATE, note_to_partner="for Bob")
    mine = submit(bob, private_note=BOB_PRIVATE, note_to_partner="for Alice")
    checkins.reaction_set(checkin=mine, author=alice, kind="hug")
    shown = checkins.review_for_week(couple=couple, week_start=dt.date(2026, 11, 9))
    fields = {"went_well": "Bob's revealed answer", "repair": "no"}
    checkins.answer_save(review=shown, author=bob, fields=fields, submit=True)
    checkins.answer_save(
        review=shown, author=alice, fields={"went_well": "mine", "repair": "no"}, submit=True
    )
    hidden = checkins.review_for_week(couple=couple, week_start=dt.date(2026, 11, 16))
    checkins.answer_save(review=hidden, author=bob, fields={"went_well": BOB_DRAFT}, submit=False)
    checkins.topic_park(couple=couple, author=bob, text="Bob's topic for us")
    checkins.calendar_feed_reset(user=alice)
    nudges_set_up(user=alice)
    prompt = Prompt.objects.create(text="p", kind="question", layer="emotional", depth="light")
    PromptLog.objects.create(couple=couple, prompt=prompt, state="done", by=alice)
    return couple


def test_the_export_holds_mine_and_nothing_private_of_my_partner(client, world, alice, capsys):
    log_in(client, alice)
    raw = client.get(reverse("export_json"))
    assert raw["Content-Disposition"].startswith("attachment;")
    data = json.loads(raw.content)
    text = raw.content.decode()
    assert data["checkins"][0]["private_note"] == ALICE_PRIVATE
    assert BOB_PRIVATE not in text
    assert BOB_DRAFT not in text
    assert "for Alice" not in text  # Bob's check-ins are his to export
    [couple] = data["couples"]
    revealed = next(r for r in couple["reviews"] if r["week_start"] == "2026-11-09")
    assert revealed["partner_answer"]["went_well"] == "Bob's revealed answer"
    unrevealed = next(r for r in couple["reviews"] if r["week_start"] == "2026-11-16")
    assert unrevealed["partner_answer"] is None
    assert couple["parked_topics"][0]["text"] == "Bob's topic for us"
    assert data["nudges"]["habits"]
    assert data["reactions_you_gave"][0]["kind"] == "hug"
    page = client.get(reverse("export_html")).content.decode()
    assert ALICE_PRIVATE in page
    assert BOB_PRIVATE not in page
    assert BOB_DRAFT not in page
    assert not re.search(r"<(script|link|img)\b", page)  # a file that loads nothing
    with capsys.disabled():
        print(f"\nexport: {len(text)} bytes of JSON; none of the partner's private content")


def test_the_export_asks_for_the_password_again_and_deletion_in_its_form(alice):
    client = Client()
    client.force_login(alice)  # logged in long ago, as far as the app knows
    assert 'name="password"' in client.get(reverse("account_delete")).text
    for name in ("export_json", "export_html"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_reauthenticate"))


def test_privacy_pages_need_a_login(client):
    for name in ("privacy", "export_json", "export_html", "account_delete"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_a_wrong_password_deletes_nothing(client, world, alice):
    log_in(client, alice)
    response = client.post(reverse("account_delete"), {"password": "not it"})
    assert "That isn&#x27;t your password" in response.text
    assert User.objects.filter(pk=alice.pk).exists()


def test_deleting_an_account_leaves_no_row_about_them(
    client, world, alice, bob, mailoutbox, capsys, django_capture_on_commit_callbacks
):
    accounts.coach_link_accept(
        link=accounts.coach_invite(couple=world), coach=User.objects.create_user(
            email="coach@example.com", password=PASSWORD, display_name="Dana", is_coach=True
        )
    )  # fmt: skip
    other_device = Client()
    log_in(other_device, alice)
    log_in(client, alice)
    alice_pk, email = alice.pk, alice.email
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_delete"), {"password": PASSWORD})
    assert "Your account is deleted" in response.text
    # Every foreign key to a user, in every model: none points at Alice any more.
    checked = 0
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if f.is_relation and f.concrete and f.related_model is User:
                checked += 1
                rows = model._default_manager.filter(**{f.attname: alice_pk})
                assert not rows.exists(), (model._meta.label, f.name)
    assert not User.objects.filter(pk=alice_pk).exists()
    assert not EmailAddress.objects.filter(email=email).exists()
    # Sessions end at once, on every device.
    assert other_device.get(reverse("dashboard")).status_code == 302
    for session in Session.objects.all():
        assert str(session.get_decoded().get("_auth_user_id")) != str(alice_pk)
    # Bob is told, keeps his own entries, and sees that the couple ended.
    [mail] = mailoutbox
    assert mail.to == [bob.email]
    assert "closed their Intimacy account" in mail.body
    assert bob.checkins.count() == 1
    assert Couple.objects.get(pk=world.pk).status == "ended"
    assert Review.objects.filter(couple=world).exists()
    with capsys.disabled():
        print(
            f"\ndeletion: {checked} foreign keys to users checked in every model; "
            "nothing refers to the deleted partner"
        )


def test_a_coach_who_leaves_takes_their_sets_but_not_couples_history(client, couple, coach):
    from prompts.models import DailyPrompt, FollowedSet, PromptSet
    from prompts.services import prompt_mark, set_create, set_follow, set_publish

    coachs = set_create(author=coach, title="C", description="", audience="", visibility="public")
    prompt = Prompt.objects.create(
        text="coach's prompt", kind="question", layer="emotional", depth="light", author=coach
    )
    coachs.items.create(prompt=prompt, position=1)
    set_publish(prompt_set=coachs, publish=True)
    set_follow(couple=couple, prompt_set=coachs)
    DailyPrompt.objects.create(couple=couple, day=dt.date(2026, 11, 20), prompt=prompt)
    prompt_mark(couple=couple, prompt=prompt, state="done", by=couple.memberships.first().user)
    log_in(client, coach)
    client.post(reverse("account_delete"), {"password": PASSWORD})
    assert not User.objects.filter(pk=coach.pk).exists()
    # The couple's history stands; the coach's work has left the library, unnamed.
    assert PromptLog.objects.filter(couple=couple, prompt=prompt).exists()
    assert DailyPrompt.objects.filter(couple=couple, prompt=prompt).exists()
    assert FollowedSet.objects.filter(couple=couple).exists()
    prompt.refresh_from_db()
    assert (prompt.author, prompt.status) == (None, "archived")
    assert not PromptSet.objects.in_library().filter(pk=coachs.pk).exists()
    assert not Prompt.objects.in_library().filter(pk=prompt.pk).exists()


@pytest.mark.needs_redis
def test_deletion_leaves_nothing_of_theirs_in_redis(
    client, world, alice, capsys, django_capture_on_commit_callbacks
):
    log_in(client, alice)
    client.get(reverse("dashboard"))  # today's prompt cached for the couple
    email = alice.email
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_delete"), {"password": PASSWORD})
    store = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(store.scan_iter(count=1000))
    for key in keys:
        blob = key + (store.dump(key) or b"")
        assert email.encode() not in blob, key
        assert f"daily-prompt:{world.pk}".encode() not in key
    with capsys.disabled():
        print(f"\ndeletion: {len(keys)} Redis keys searched; nothing of the deleted partner")


def resolve(data: dict, path: str) -> object:
    """A REGISTRY path in an export: "couples.x" is looked for in every couple."""
    head, _, rest = path.partition(".")
    value = data.get(head)
    if not rest:
        return value
    if isinstance(value, list):
        found = [resolve(item, rest) for item in value]
        return [v for v in found if v]
    return resolve(value or {}, rest)


def test_every_registered_model_lands_in_the_export(world, alice, coach, capsys):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from intimacy.nudges.models import Nudge
    from intimacy.privacy.export import data_export
    from prompts.models import DailyPrompt, PromptSet
    from prompts.services import set_create, set_follow, set_offer, set_publish

    couple = world
    checkins.rhythm_set(
        couple=couple, weekday=6, local_time=dt.time(19), duration_minutes=45,
        time_zone="Europe/Paris",
    )  # fmt: skip
    checkins.review_move(
        couple=couple,
        week_start=dt.date(2026, 11, 16),
        starts_at=dt.datetime(2026, 11, 21, 18, tzinfo=dt.UTC),
    )
    link = accounts.coach_link_accept(link=accounts.coach_invite(couple=couple), coach=coach)
    accounts.coach_access_record(link=link, what="engagement counts")
    theirs = set_create(author=coach, title="T", description="", audience="", visibility="public")
    prompt = Prompt.objects.create(
        text="t", kind="question", layer="emotional", depth="light", author=coach
    )
    theirs.items.create(prompt=prompt, position=1)
    set_publish(prompt_set=theirs, publish=True)
    set_offer(prompt_set=theirs, couple=couple, coach=coach)
    set_follow(couple=couple, prompt_set=PromptSet.objects.get(pk=theirs.pk))
    DailyPrompt.objects.create(couple=couple, day=dt.date(2026, 11, 21), prompt=prompt)
    TOTP.activate(alice, generate_totp_secret())
    Nudge.objects.create(
        user=alice, habit="slow_hug", local_date=dt.date(2026, 11, 21),
        due_at=dt.datetime(2026, 11, 21, 8, tzinfo=dt.UTC), state="sent",
    )  # fmt: skip
    exports = {"alice": data_export(user=alice), "coach": data_export(user=coach)}
    empty = []
    for label, (path, _) in REGISTRY.items():
        whose = "coach" if path.startswith("coaching.") else "alice"
        if resolve(exports[whose], path) in (None, [], {}, ""):
            empty.append(f"{label} at {path}")
    assert empty == [], f"Registered but missing from the export: {empty}"
    with capsys.disabled():
        print(f"\nexport: all {len(REGISTRY)} registered models found in the export")
