"""The authorization matrix, generated from the URL configuration.

Every URL pattern, with both methods, for every persona, aimed at a real couple's objects
that are not theirs (Dave and Erin's). No probe may succeed: nothing of theirs in any answer,
and nothing of theirs changed. A new URL without an entry in ROUTES fails the first test.
"""

import datetime as dt
import hashlib
import json

import pytest
from django.conf import settings
from django.core import serializers
from django.urls import reverse

from checkins import services as checkins
from checkins.models import CheckIn, ParkedTopic, Reaction, Review, ReviewAnswer, Rhythm
from intimacy.accounts import services as accounts
from intimacy.accounts.models import CoachAccess, CoachLink, Couple, Invite, Membership, User
from intimacy.nudges.models import Nudge, NudgeRule, NudgeSettings
from intimacy.nudges.schedule import nudges_set_up
from prompts.models import FollowedSet, Prompt, PromptLog, PromptSet, SetOffer
from prompts.services import set_create, set_offer, set_publish
from tests.factories import UserFactory, make_couple, submit

from .urlmap import all_routes, fill

pytestmark = pytest.mark.django_db

CANARY = "VICTIM-canary-0b7d"
# What Gina wrote in the couple she had with Dave: hers to read after it ended (nothing of his).
GINA_OWN = "GINA-own-words-kept-4f0"
FORGED = "forged-token-that-opens-nothing"

# Each route: how to fill its parameters from the victims' world (None: the route takes none,
# and acts on the visitor's own data only). Tokens are secrets that open things by design
# (invite links, unsubscribe links): probes use forged ones.
ROUTES: dict[str, dict[str, str] | None] = {
    "home": None, "quick_exit": None, "dashboard": None, "healthz": None, "livez": None,
    "coach:home": None,
    "privacy": None, "export_json": None, "export_html": None, "account_delete": None,
    "account_login": None, "account_logout": None, "account_inactive": None,
    "account_signup": None, "account_reauthenticate": None, "account_email": None,
    "account_email_verification_sent": None, "account_change_password": None,
    "account_set_password": None, "account_reset_password": None,
    "account_confirm_login_code": None, "account_reset_password_from_key_done": None,
    "account_reset_password_done": None,
    "account_confirm_email": {"key": "forged"},
    "account_reset_password_from_key": {"uidb36": "forged", "key": "forged"},
    "mfa_index": None, "mfa_authenticate": None, "mfa_reauthenticate": None,
    "mfa_activate_totp": None, "mfa_deactivate_totp": None,
    "mfa_view_recovery_codes": None, "mfa_generate_recovery_codes": None,
    "mfa_download_recovery_codes": None,
    "accounts:couple_create": None, "accounts:join_code": None, "accounts:profile": None,
    "coach:join_code": None,
    "accounts:invite_new": {"couple_id": "couple"},
    "accounts:couple_end": {"couple_id": "couple"},
    "accounts:invite_revoke": {"invite_id": "invite"},
    "accounts:join": {"token": FORGED},
    "accounts:couple_coach": {"couple_id": "couple"},
    "accounts:coach_scope": {"link_id": "link"},
    "accounts:coach_revoke": {"link_id": "link"},
    "coach:join": {"token": FORGED},
    "checkins:today": None, "checkins:history": None, "checkins:review_home": None,
    "checkins:rhythm": None, "checkins:trends": None, "checkins:calendar": None,
    "checkins:topic_park": None,
    "checkins:detail": {"checkin_id": "checkin"},
    "checkins:react": {"checkin_id": "checkin"},
    "checkins:react_undo": {"checkin_id": "checkin"},
    "coach:couple": {"couple_id": "couple"},
    "checkins:calendar_ics": {"token": FORGED},
    "checkins:topic_talked": {"topic_id": "topic"},
    "checkins:review": {"review_id": "review"},
    "checkins:review_focus": {"review_id": "review"},
    "checkins:review_move": {"review_id": "review"},
    "checkins:archive": None,
    "checkins:archive_couple": {"couple_id": "couple"},
    "checkins:archive_review": {"review_id": "review"},
    "prompts:library": None, "prompts:saved": None, "prompts:studio": None,
    "prompts:studio_prompt_new": None, "prompts:studio_set_new": None,
    "prompts:studio_import": None,
    "prompts:set": {"slug": "set"},
    "prompts:set_follow": {"slug": "set"},
    "prompts:mark": {"prompt_id": "prompt"},
    "prompts:offer_answer": {"offer_id": "offer"},
    "prompts:studio_prompt": {"prompt_id": "prompt"},
    "prompts:studio_set": {"slug": "set"},
    "prompts:studio_set_items": {"slug": "set"},
    "prompts:studio_set_publish": {"slug": "set"},
    "prompts:studio_set_duplicate": {"slug": "set"},
    "prompts:studio_set_export": {"slug": "set"},
    "prompts:studio_set_offer": {"slug": "set"},
    "nudges:preferences": None, "nudges:inbox": None,
    "nudges:open": {"token": FORGED},
    "nudges:unsubscribe": {"token": FORGED},
}  # fmt: skip
# What a real form would send to each route (so a missing check would act, not fail on an
# empty form). Values name the victims' objects where a form carries an id.
POST_DATA: dict[str, dict[str, str]] = {
    "accounts:coach_scope": {"share_engagement": "on", "share_reviews": "on"},
    "checkins:react": {"kind": "hug"},
    "checkins:topic_talked": {"talked": "yes"},
    "checkins:review": {"went_well": "probe", "action": "draft"},
    "checkins:review_focus": {"habit": "slow_hug"},
    "checkins:review_move": {"starts_at": "2026-11-21T10:00"},
    "prompts:set_follow": {"follow": "yes"},
    "prompts:mark": {"state": "done"},
    "prompts:offer_answer": {"accept": "yes"},
    "prompts:studio_prompt": {
        "text": "probe", "kind": "question", "layer": "emotional", "depth": "light",
        "minutes": "5",
    },
    "prompts:studio_set": {"title": "probe", "visibility": "public"},
    "prompts:studio_set_items": {"action": "remove", "prompt": "{prompt}"},
    "prompts:studio_set_publish": {"publish": "no"},
    "prompts:studio_set_offer": {"couple": "{couple}"},
}  # fmt: skip

# The admin is staff's own tool, behind two-factor login; it holds no check-ins, notes or
# answers (checkins/admin.py registers nothing). It is not probed here.
NOT_PROBED = {"admin"}
PERSONAS = [
    "alice", "bob", "ex_partner", "outsider", "linked_coach", "revoked_coach",
    "another_coach", "staff", "anonymous",
]  # fmt: skip


# The one kind of probe that succeeds by design: the former partner reading her own archive of
# the couple that ended (GET only), which must show her words and never his.
OWN_ARCHIVE = {"checkins:archive_couple", "checkins:archive_review", "checkins:review"}

# Where a GET of a button-only action goes, and where a coach whose two-factor an earlier probe
# of their own settings turned off is sent: elsewhere, never in. A POST gets no such pass.
SAFE_REDIRECTS = {"/", "/dashboard/", "/accounts/2fa/totp/activate/"}


def app_routes() -> list:
    return [r for r in all_routes() if not r.route.startswith(settings.ADMIN_URL)]


def test_every_url_has_an_entry():
    names = {r.name for r in app_routes()}
    assert names - set(ROUTES) == set(), "New URLs need an entry in ROUTES"
    assert set(ROUTES) - names == set(), "ROUTES lists URLs that no longer exist"


@pytest.fixture
def world(couple, alice, bob):
    dave = UserFactory(email="dave@example.com", display_name="Dave")
    erin = UserFactory(email="erin@example.com", display_name="Erin")
    # Gina was Dave's partner before; that couple ended.
    gina = UserFactory(email="gina@example.com", display_name="Gina")
    former = make_couple(gina, dave)
    old_checkin = submit(dave, private_note=CANARY, note_to_partner=f"{CANARY} old note")
    old_review = checkins.review_for_week(couple=former, week_start=dt.date(2026, 11, 2))
    checkins.answer_save(review=old_review, author=dave, fields={"went_well": CANARY}, submit=True)
    # Revealed to both while they were together; once the couple ends, each keeps only their
    # own: Dave's answer and topic (with the canary) never reach Gina again.
    checkins.answer_save(
        review=old_review, author=gina, fields={"went_well": GINA_OWN}, submit=True
    )
    old_topic = checkins.topic_park(couple=former, author=dave, text=f"{CANARY} an old topic")
    checkins.topic_park(couple=former, author=gina, text=f"{GINA_OWN} topic")
    accounts.couple_end(couple=former)
    CheckIn.objects.filter(pk=old_checkin.pk).update(local_date=dt.date(2026, 11, 1))
    victims = make_couple(dave, erin)
    checkin = submit(dave, private_note=CANARY, note_to_partner=f"{CANARY} note")
    checkins.reaction_set(checkin=checkin, author=erin, kind="hug")
    checkins.rhythm_set(
        couple=victims, weekday=6, local_time=dt.time(19), duration_minutes=45,
        time_zone="Europe/Paris",
    )  # fmt: skip
    review = checkins.review_for_week(couple=victims, week_start=dt.date(2026, 11, 16))
    checkins.answer_save(review=review, author=dave, fields={"went_well": CANARY}, submit=False)
    topic = checkins.topic_park(couple=victims, author=erin, text=f"{CANARY} topic")
    their_coach = UserFactory(email="vcoach@example.com", display_name="Vic", is_coach=True)
    link = accounts.coach_link_accept(link=accounts.coach_invite(couple=victims), coach=their_coach)
    revoked_coach = UserFactory(email="revoked@example.com", is_coach=True)
    old = accounts.coach_link_accept(
        link=accounts.coach_invite(couple=victims), coach=revoked_coach
    )
    accounts.coach_link_revoke(link=old)
    linked_coach = UserFactory(email="linked@example.com", is_coach=True)
    accounts.coach_link_accept(link=accounts.coach_invite(couple=couple), coach=linked_coach)
    private = set_create(
        author=their_coach, title="Theirs", description=CANARY, audience="", visibility="private"
    )
    prompt = Prompt.objects.create(
        text=f"{CANARY} prompt", kind="question", layer="emotional", depth="light",
        author=their_coach,
    )  # fmt: skip
    private.items.create(prompt=prompt, position=1)
    set_publish(prompt_set=private, publish=True)
    offer = set_offer(prompt_set=private, couple=victims, coach=their_coach)
    nudges_set_up(user=dave)
    people = {
        "alice": alice,
        "bob": bob,
        "ex_partner": gina,
        "outsider": UserFactory(email="charlie@example.com", display_name="Charlie"),
        "linked_coach": linked_coach,
        "revoked_coach": revoked_coach,
        "another_coach": UserFactory(email="another@example.com", is_coach=True),
        "staff": UserFactory(email="staff@example.com", is_staff=True, is_superuser=True),
        "anonymous": None,
    }
    former_objects = {
        "couple": former.pk,
        "invite": Invite.objects.filter(couple=former).first().pk,
        "checkin": old_checkin.pk,
        "topic": old_topic.pk,
        "review": old_review.pk,
    }
    objects = {
        "couple": victims.pk,
        "invite": Invite.objects.filter(couple=victims).first().pk,
        "link": link.pk,
        "checkin": checkin.pk,
        "topic": topic.pk,
        "review": review.pk,
        "set": private.slug,
        "prompt": prompt.pk,
        "offer": offer.pk,
    }
    return {
        "people": people,
        "objects": objects,
        "former": {**objects, **former_objects},
        "victims": victims,
        "former_couple": former,
        "users": [dave, erin],
        "coach": their_coach,
    }


def snapshot(world: dict) -> str:
    """Everything the victims own, serialized: a probe that changes any of it succeeded."""
    couple, users, former = world["victims"], world["users"], world["former_couple"]
    querysets = [
        Couple.objects.filter(pk__in=[couple.pk, former.pk]),
        Review.objects.filter(couple=former),
        ReviewAnswer.objects.filter(review__couple=former),
        ParkedTopic.objects.filter(couple=former),
        Membership.objects.filter(couple=couple),
        Invite.objects.filter(couple=couple),
        CoachLink.objects.filter(couple=couple),
        CoachAccess.objects.filter(couple=couple),
        CheckIn.objects.filter(author__in=users),
        Reaction.objects.filter(checkin__author__in=users),
        Rhythm.objects.filter(couple=couple),
        Review.objects.filter(couple=couple),
        ReviewAnswer.objects.filter(review__couple=couple),
        ParkedTopic.objects.filter(couple=couple),
        SetOffer.objects.filter(couple=couple),
        FollowedSet.objects.filter(couple=couple),
        PromptLog.objects.filter(couple=couple),
        PromptSet.objects.filter(author=world["coach"]),
        Prompt.objects.filter(author=world["coach"]),
        NudgeSettings.objects.filter(user__in=users),
        NudgeRule.objects.filter(user__in=users),
        Nudge.objects.filter(user__in=users),
        User.objects.filter(pk__in=[u.pk for u in users]).defer("last_login"),
    ]
    blob = json.dumps([serializers.serialize("json", qs.order_by("pk")) for qs in querysets])
    return hashlib.sha256(blob.encode()).hexdigest()


def probe(client, who: str, person: User | None, objects: dict, route, former: bool) -> int:
    """GET and POST one URL aimed at `objects`; assert nothing was reached. Returns 2."""
    params = ROUTES[route.name] or {}
    values = {p: objects.get(v, v) for p, v in params.items()}
    url = fill(route.route, values)
    aimed = any(v in objects for v in params.values())
    data = {k: v.format(**objects) for k, v in POST_DATA.get(route.name, {}).items()}
    for method in ("get", "post"):
        response = client.get(url) if method == "get" else client.post(url, data)
        body = response.content.decode(errors="replace")
        assert CANARY not in body, (who, method, url)
        if not aimed:
            continue
        if former and who == "ex_partner" and method == "get" and route.name in OWN_ARCHIVE:
            if response.status_code == 302:  # an old link to the review leads to its archive
                response = client.get(response.url)
            body = response.content.decode(errors="replace")
            assert response.status_code == 200, (who, url, response.status_code)
            assert GINA_OWN in body, (who, url)
            continue
        if person is None:
            assert response.status_code == 302, (who, method, url)
            assert response.url.startswith(reverse("account_login")), url
            continue
        assert response.status_code in (302, 404, 405), (who, method, url, response.status_code)
        if response.status_code == 302:
            assert response.url in SAFE_REDIRECTS, (who, method, url, response.url)
            assert method == "get" or response.url.startswith("/accounts/2fa/"), (who, url)
    return 2


def test_no_persona_reaches_another_couples_data(client, world, capsys):
    before = snapshot(world)
    probes = 0
    for who in PERSONAS:
        person = world["people"][who]
        for objects in (world["objects"], world["former"]):
            for route in app_routes():
                client.logout()
                if person is not None:
                    client.force_login(person)
                former = objects is world["former"]
                probes += probe(client, who, person, objects, route, former)
    assert snapshot(world) == before, "a probe changed another couple's data"
    with capsys.disabled():
        print(
            f"\nauthorization matrix: {probes} probes over {len(app_routes())} URLs, "
            f"{len(PERSONAS)} personas and two couples' objects (current and former); "
            "none succeeded (the former partner read her own archive of the couple that ended, "
            f"{len(OWN_ARCHIVE)} pages, and nothing of his)"
        )
