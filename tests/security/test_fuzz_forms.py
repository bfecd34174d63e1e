"""Hypothesis drives every form the app shows with random input: no answer is a server error.

The forms are found, not listed: every page a partner and a coach can open is read, and each
<form method="post"> on it is filled with random values for its fields and sent.
"""

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from checkins import services as checkins
from intimacy.accounts import services as accounts
from prompts.services import set_create
from tests.factories import UserFactory, make_couple, submit

from .urlmap import all_routes, fill

pytestmark = pytest.mark.django_db

# Values that have broken web apps before, and anything else Hypothesis thinks of.
NASTY = [
    "", " ", "0", "-1", "1e309", "9" * 40, "NaN", "\x00", "\u202e", "\ud7ff", "<script>x</script>",
    "' OR 1=1 --", "2026-02-30", "25:99", "24:00", "0000-00-00", "../../etc/passwd", "%00",
    "\U0001f600" * 50, "a" * 5000, "Europe/Nowhere", "true", "on", "yes", "[]", "{}",
]  # fmt: skip
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=300), st.integers().map(str))
SKIP_ACTIONS = ("/accounts/logout/", "/settings/privacy/delete/")
EXAMPLES = 12


class Forms(HTMLParser):
    """The POST forms of a page: (action, field names)."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[tuple[str, list[str]]] = []
        self.current: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self.current = (urlsplit(action).path, [])
            self.forms.append(self.current)
        elif (
            tag in ("input", "select", "textarea", "button")
            and self.current
            and a.get("name") not in (None, "csrfmiddlewaretoken", *self.current[1])
        ):
            self.current[1].append(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


@pytest.fixture
def own_world(couple, alice, bob, coach):
    """Alice's own things, so her pages show every form they can."""
    mine = submit(alice)
    theirs = submit(bob)
    checkins.rhythm_set(
        couple=couple, weekday=6, local_time=dt.time(19), duration_minutes=45,
        time_zone="Europe/Paris",
    )  # fmt: skip
    review = checkins.review_for_week(couple=couple, week_start=dt.date(2026, 11, 16))
    topic = checkins.topic_park(couple=couple, author=alice, text="topic")
    link = accounts.coach_link_accept(link=accounts.coach_invite(couple=couple), coach=coach)
    studio = set_create(
        author=coach, title="Mine", description="", audience="", visibility="private"
    )
    return {
        "couple_id": couple.pk, "checkin_id": theirs.pk, "review_id": review.pk,
        "topic_id": topic.pk, "link_id": link.pk, "slug": studio.slug, "mine": mine,
        "prompt_id": 1, "invite_id": 1, "offer_id": 1, "token": "x", "key": "x", "uidb36": "x",
    }  # fmt: skip


def discover(client, values: dict) -> set[tuple[str, tuple[str, ...]]]:
    found = set()
    for route in all_routes():
        if route.route.startswith(settings.ADMIN_URL) or route.name in ("quick_exit",):
            continue  # the quick exit logs out: it has no form, and would end the crawl
        url = fill(route.route, {p: values.get(p, 1) for p in route.params})
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = Forms(url)
        parser.feed(response.content.decode(errors="replace"))
        for action, fields in parser.forms:
            if not action.startswith(SKIP_ACTIONS):
                found.add((action, tuple(fields)))
    return found


def fuzz(client, action: str, fields: tuple[str, ...]) -> int:
    sent = []

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries(dict.fromkeys(fields, VALUES)))
    def post(data: dict[str, str]) -> None:
        response = client.post(action, data)
        sent.append(1)
        assert response.status_code < 500, (action, data, response.status_code)

    post()
    return len(sent)


def test_no_form_answers_random_input_with_a_server_error(client, own_world, alice, coach, capsys):
    forms = 0
    examples = 0
    for person in (None, alice, coach):
        client.logout()
        if person is not None:
            client.force_login(person)
        for action, fields in sorted(discover(client, own_world)):
            examples += fuzz(client, action, fields)
            forms += 1
            client.logout()
            if person is not None:
                client.force_login(person)  # a form may have changed the session
    with capsys.disabled():
        print(f"\nfuzzing: {forms} forms, {examples} random submissions, no server error")
    assert forms > 20


@pytest.fixture
def former_world(charlie):
    """Charlie's couple with Frank, ended: the archive pages a former partner reads."""
    frank = UserFactory(email="frank@example.com", display_name="Frank")
    former = make_couple(charlie, frank)
    review = checkins.review_for_week(couple=former, week_start=dt.date(2026, 11, 2))
    checkins.answer_save(review=review, author=charlie, fields={"went_well": "x"}, submit=True)
    checkins.topic_park(couple=former, author=charlie, text="topic")
    mine = submit(charlie)
    accounts.couple_end(couple=former)
    return {"couple_id": former.pk, "review_id": review.pk, "checkin_id": mine.pk}


def test_a_former_partners_archive_is_crawled_and_only_read(client, former_world, charlie, capsys):
    """The archive is read-only: its pages hold no form to fill (the logout button aside)."""
    client.force_login(charlie)
    routes = [r for r in all_routes() if r.name.startswith("checkins:archive")]
    for route in routes:
        url = fill(route.route, {p: former_world[p] for p in route.params})
        response = client.get(url)
        assert response.status_code == 200, url
        parser = Forms(url)
        parser.feed(response.content.decode())
        forms = [(a, f) for a, f in parser.forms if not a.startswith(SKIP_ACTIONS)]
        assert forms == [], url
    with capsys.disabled():
        print(f"\nfuzzing: {len(routes)} archive pages read as a former partner, no form on them")
