"""Every view of the prompt library, the studio and coaching, for every persona.

Expected: 200 (or 302 for an action done), 404 for someone who may not see the object, and
the login page for anonymous visitors.
"""

import pytest
from django.urls import reverse

from intimacy.accounts import services as accounts
from prompts.models import Prompt
from prompts.services import set_create, set_offer, set_publish
from tests.factories import UserFactory, make_couple

pytestmark = pytest.mark.django_db

PERSONAS = ["alice", "coach", "other_coach", "revoked_coach", "charlie", "staff", "anonymous"]


@pytest.fixture
def world(couple, alice, coach, charlie, everyday):
    other_coach = UserFactory(email="other@example.com", is_coach=True)
    revoked_coach = UserFactory(email="revoked@example.com", is_coach=True)
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    make_couple(charlie, UserFactory())
    accounts.coach_link_accept(link=accounts.coach_invite(couple=couple), coach=coach)
    old = accounts.coach_link_accept(link=accounts.coach_invite(couple=couple), coach=revoked_coach)
    accounts.coach_link_revoke(link=old)
    private = set_create(
        author=coach, title="Private", description="", audience="", visibility="private"
    )
    prompt = Prompt.objects.create(
        text="p", kind="question", layer="emotional", depth="light", author=coach
    )
    private.items.create(prompt=prompt, position=1)
    set_publish(prompt_set=private, publish=True)
    draft = set_create(
        author=coach, title="Draft", description="", audience="", visibility="public"
    )
    offer = set_offer(prompt_set=private, couple=couple, coach=coach)
    unlisted = set_create(
        author=coach, title="By link", description="", audience="", visibility="unlisted"
    )
    unlisted_prompt = Prompt.objects.create(
        text="u", kind="question", layer="emotional", depth="light", author=coach
    )
    unlisted.items.create(prompt=unlisted_prompt, position=1)
    set_publish(prompt_set=unlisted, publish=True)
    invitation = accounts.coach_invite(couple=couple)
    link = couple.coach_links.get(coach=coach)
    people = {
        "alice": alice,
        "coach": coach,
        "other_coach": other_coach,
        "revoked_coach": revoked_coach,
        "charlie": charlie,
        "staff": staff,
        "anonymous": None,
    }
    return {
        "people": people,
        "private": private,
        "draft": draft,
        "prompt": prompt,
        "offer": offer,
        "couple": couple,
        "link": link,
        "everyday": everyday,
        "unlisted": unlisted,
        "unlisted_prompt": unlisted_prompt,
        "invitation": invitation,
    }


def status(client, world, who: str, method: str, url: str, data: dict | None = None) -> int:
    client.logout()
    if world["people"][who] is not None:
        client.force_login(world["people"][who])
    response = getattr(client, method)(url, data or {})
    if who == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login")), url
        return 0
    return response.status_code


LOGGED_IN = {"alice", "coach", "other_coach", "revoked_coach", "charlie", "staff"}
COACHES = {"coach", "other_coach", "revoked_coach"}

# (name, args, method, data, who may): the rest get 404. Args and data read the world.
VIEWS = [
    ("prompts:library", lambda w: [], "get", None, LOGGED_IN),
    ("prompts:saved", lambda w: [], "get", None, LOGGED_IN),
    ("prompts:set", lambda w: [w["everyday"].slug], "get", None, LOGGED_IN),
    ("prompts:set", lambda w: [w["private"].slug], "get", None, {"alice", "coach"}),
    ("prompts:set", lambda w: [w["draft"].slug], "get", None, {"coach"}),
    ("prompts:set_follow", lambda w: [w["private"].slug], "post", None, {"alice", "coach"}),
    (
        "prompts:mark",
        lambda w: [w["prompt"].pk],
        "post",
        lambda w: {"state": "saved"},
        {"alice", "coach"},
    ),
    (
        "prompts:offer_answer",
        lambda w: [w["offer"].pk],
        "post",
        lambda w: {"accept": "no"},
        {"alice"},
    ),
    ("prompts:studio", lambda w: [], "get", None, COACHES),
    ("prompts:studio_prompt_new", lambda w: [], "get", None, COACHES),
    ("prompts:studio_set_new", lambda w: [], "post", lambda w: {"title": "T"}, COACHES),
    ("prompts:studio_import", lambda w: [], "post", None, COACHES),
    ("prompts:studio_set_items", lambda w: [w["private"].slug], "post", None, {"coach"}),
    (
        "prompts:studio_set_publish",
        lambda w: [w["private"].slug],
        "post",
        lambda w: {"publish": "yes"},
        {"coach"},
    ),
    ("prompts:studio_set", lambda w: [w["private"].slug], "get", None, {"coach"}),
    ("prompts:studio_set_export", lambda w: [w["private"].slug], "get", None, {"coach"}),
    ("prompts:studio_prompt", lambda w: [w["prompt"].pk], "get", None, {"coach"}),
    ("prompts:studio_set_duplicate", lambda w: [w["private"].slug], "post", None, {"coach"}),
    (
        "prompts:studio_set_offer",
        lambda w: [w["private"].slug],
        "post",
        lambda w: {"couple": w["couple"].pk},
        {"coach"},
    ),
    # An unlisted set opens to anyone with its address; its prompts not by their number.
    ("prompts:set", lambda w: [w["unlisted"].slug], "get", None, LOGGED_IN),
    (
        "prompts:mark",
        lambda w: [w["unlisted_prompt"].pk],
        "post",
        lambda w: {"state": "saved"},
        {"coach"},
    ),
    ("coach:home", lambda w: [], "get", None, COACHES),
    # A coach invitation opens to whoever holds its link (like a partner's invite).
    ("coach:join", lambda w: [w["invitation"].token], "get", None, LOGGED_IN),
    (
        "coach:join_code",
        lambda w: [],
        "post",
        lambda w: {"code": w["invitation"].code},
        LOGGED_IN,
    ),
    ("coach:couple", lambda w: [w["couple"].pk], "get", None, {"coach"}),
    ("accounts:couple_coach", lambda w: [w["couple"].pk], "get", None, {"alice"}),
    (
        "accounts:coach_scope",
        lambda w: [w["link"].pk],
        "post",
        lambda w: {"share_engagement": "on"},
        {"alice"},
    ),
    ("accounts:coach_revoke", lambda w: [w["link"].pk], "post", None, {"alice"}),
]


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize(("name", "args", "method", "data", "allowed"), VIEWS)
def test_permission_matrix(client, world, who, name, args, method, data, allowed):
    url = reverse(name, args=args(world))
    code = status(client, world, who, method, url, data(world) if data else None)
    if who == "anonymous":
        return
    if who in allowed:
        assert code in (200, 302), (who, url, code)
    else:
        assert code == 404, (who, url, code)
