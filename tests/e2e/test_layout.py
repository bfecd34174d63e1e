"""Every page of the URL configuration, opened by the person who uses it (a partner, a coach,
staff, a visitor) with real objects, at desktop and two phone widths: nothing sticks out sideways
or hides behind a sideways scroll (`check_page` looks), and the quick exit sits in exactly
the same place on every page, whoever is logged in. A new URL without an entry in PAGES
fails the first test."""

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.template.loader import render_to_string
from django.utils import timezone
from playwright.sync_api import Page

from checkins import services as checkins
from checkins.demo import DEMO_DOMAIN, DEMO_PASSWORD, create_demo_couples
from checkins.models import CheckIn, Rhythm
from intimacy.accounts import services as accounts
from intimacy.accounts.models import Couple, Invite, User
from intimacy.nudges.models import Nudge, unsubscribe_token
from intimacy.nudges.schedule import nudges_set_up
from prompts.models import Prompt
from prompts.services import prompt_mark, set_create, set_follow, set_offer, set_publish
from tests.factories import PASSWORD, UserFactory
from tests.security.urlmap import all_routes, fill

from .conftest import CROWDING_JS, OVERFLOW_JS, check_page, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PARTNER, COACH, STAFF, VISITOR = "partner", "coach", "staff", "visitor"
EVERYONE = (PARTNER, COACH, STAFF)
# Desktop, the phone width the app promises, and the narrowest common phone (many Androids).
WIDTHS = {1280: 900, 390: 844, 360: 740}

# Each URL: who opens it as a page, and which of the world's objects fill its parameters;
# or, as a string, why it is no page of its own.
PAGES: dict[str, dict[str, dict[str, str]] | str] = {
    "home": {VISITOR: {}},
    "dashboard": {PARTNER: {}, COACH: {}, STAFF: {}},
    "healthz": "JSON for monitors",
    "livez": "plain text for monitors",
    "coach:home": {COACH: {}},
    "quick_exit": "logs out and leaves the site",
    "privacy": {PARTNER: {}},
    "export_json": "a JSON download",
    # A file to keep, with its own styles; point 8 of issue 12 makes it read like the app.
    "export_html": "an HTML download",
    "account_delete": {PARTNER: {}},
    "account_login": {VISITOR: {}},
    "account_logout": {PARTNER: {}},
    "account_inactive": {VISITOR: {}},
    "account_signup": {VISITOR: {}},
    "account_reauthenticate": {PARTNER: {}},
    "account_email": {PARTNER: {}, COACH: {}},
    "account_email_verification_sent": {VISITOR: {}},
    "account_change_password": {PARTNER: {}},
    "account_set_password": {PARTNER: {}},
    "account_reset_password": {VISITOR: {}},
    "account_confirm_login_code": {VISITOR: {}},
    "account_confirm_email": {VISITOR: {"key": "email_key"}},
    "account_reset_password_from_key": {VISITOR: {"uidb36": "reset_uid", "key": "reset_key"}},
    "account_reset_password_from_key_done": {VISITOR: {}},
    "account_reset_password_done": {VISITOR: {}},
    "mfa_index": {PARTNER: {}, COACH: {}},
    "mfa_authenticate": "checked on the way in, as coaches and staff log in",
    "mfa_reauthenticate": {COACH: {}},
    "mfa_activate_totp": {PARTNER: {}},
    "mfa_deactivate_totp": {COACH: {}},
    "mfa_view_recovery_codes": {COACH: {}},
    "mfa_generate_recovery_codes": {COACH: {}},
    "mfa_download_recovery_codes": "a text download",
    "accounts:couple_create": "a button (POST)",
    "accounts:invite_new": "a button (POST)",
    "accounts:couple_end": {PARTNER: {"couple_id": "couple"}},
    "accounts:invite_revoke": "a button (POST)",
    "accounts:join_code": {STAFF: {}},
    "accounts:join": {VISITOR: {"token": "invite"}, STAFF: {"token": "invite"}},
    "accounts:profile": {PARTNER: {}, COACH: {}, STAFF: {}},
    "accounts:couple_coach": {PARTNER: {"couple_id": "couple"}},
    "accounts:coach_scope": "a button (POST)",
    "accounts:coach_revoke": "a button (POST)",
    "coach:join_code": "a button (POST)",
    "coach:join": {COACH: {"token": "coach_invite"}},
    "checkins:today": {PARTNER: {}, STAFF: {}},
    "checkins:history": {PARTNER: {}, STAFF: {}},
    "checkins:detail": {PARTNER: {"checkin_id": "checkin"}},
    "checkins:detail#partner": {PARTNER: {"checkin_id": "partner_checkin"}},
    "checkins:react": "a button (POST)",
    "checkins:react_undo": "a button (POST)",
    "coach:couple": {COACH: {"couple_id": "couple"}},
    "checkins:review_home": {PARTNER: {}, STAFF: {}},
    "checkins:rhythm": {PARTNER: {}},
    "checkins:trends": {PARTNER: {}},
    "checkins:trends#52": {PARTNER: {"?": "weeks=52"}},
    "checkins:calendar": {PARTNER: {}},
    "checkins:calendar_ics": "a calendar file",
    "checkins:topic_park": "a button (POST)",
    "checkins:topic_talked": "a button (POST)",
    "checkins:review": {PARTNER: {"review_id": "review"}},
    "checkins:review#past": {PARTNER: {"review_id": "past_review"}},
    "checkins:review_focus": "a button (POST)",
    "checkins:review_move": {PARTNER: {"review_id": "review"}},
    "checkins:archive": {PARTNER: {}},
    # A former couple's pages: walked at 1280 and 390 px, with the same checks, by
    # tests/e2e/test_after_the_end.py, whose world has a couple that ended.
    "checkins:archive_couple": "a former couple's archive (tests/e2e/test_after_the_end.py)",
    "checkins:archive_review": "a former couple's review (tests/e2e/test_after_the_end.py)",
    "prompts:library": {PARTNER: {}, COACH: {}, STAFF: {}},
    "prompts:saved": {PARTNER: {}},
    "prompts:set": {PARTNER: {"slug": "set"}, COACH: {"slug": "set"}},
    "prompts:set_follow": "a button (POST)",
    "prompts:mark": "a button (POST)",
    "prompts:offer_answer": "a button (POST)",
    "prompts:studio": {COACH: {}},
    "prompts:studio_prompt_new": {COACH: {"?": "set={set}"}},
    "prompts:studio_prompt": {COACH: {"prompt_id": "prompt"}},
    "prompts:studio_set_new": "a button (POST)",
    "prompts:studio_import": "a button (POST)",
    "prompts:studio_set": {COACH: {"slug": "set"}},
    "prompts:studio_set_items": "a button (POST)",
    "prompts:studio_set_publish": "a button (POST)",
    "prompts:studio_set_duplicate": "a button (POST)",
    "prompts:studio_set_export": "a JSON download",
    "prompts:studio_set_offer": "a button (POST)",
    "nudges:preferences": {PARTNER: {}, COACH: {}},
    "nudges:inbox": {PARTNER: {}},
    "nudges:open": "a redirect to the nudge's page",
    "nudges:unsubscribe": {VISITOR: {"token": "unsubscribe"}},
}
# The admin is Django's own, staff's tool on a desktop: its markup and layout are Django's
# (tables that scroll on a phone, date widgets axe faults), so it is not walked here;
# tests/test_admin.py checks what we give it (names, the icon).
NOT_WALKED = "admin"


def test_every_url_has_an_entry():
    names = {r.name for r in all_routes() if not r.route.startswith(NOT_WALKED)}
    listed = {name.split("#")[0] for name in PAGES}
    assert names - listed == set(), "New URLs need an entry in PAGES"
    assert listed - names == set(), "PAGES lists URLs that no longer exist"


@pytest.fixture
def world(coach: User) -> dict:
    """A couple with four months behind them, a coach they share everything with, staff."""
    first, _ = create_demo_couples(couples=1, days=120, seed=7)
    partner = User.objects.get(email=f"demo-{first}-a@{DEMO_DOMAIN}")
    other = User.objects.get(email=f"demo-{first}-b@{DEMO_DOMAIN}")
    # Long names, as people have them.
    User.objects.filter(pk=partner.pk).update(display_name="Anastasia")
    User.objects.filter(pk=other.pk).update(display_name="Maximiliano")
    partner.refresh_from_db()
    other.refresh_from_db()
    couple = Couple.objects.for_user(partner).get()
    for person, weather in ((partner, "bright_spells"), (other, "windy")):
        CheckIn.objects.filter(author=person, local_date=person.local_today()).delete()
        checkins.checkin_submit(
            author=person, weather=weather, energy=3, needs=["closeness", "practical_help"],
            tags=["work", "family", "money"], note_to_partner="Dinner at the new place tonight?",
            private_note="Only for me.", disclosure="all",
        )  # fmt: skip
    mine = CheckIn.objects.get(author=partner, local_date=partner.local_today())
    theirs = CheckIn.objects.get(author=other, local_date=other.local_today())
    checkins.reaction_set(checkin=theirs, author=partner, kind="hug")
    checkins.reaction_set(checkin=mine, author=other, kind="talk_tonight")
    rhythm = Rhythm.objects.get(couple=couple)
    review = checkins.review_for_week(couple=couple, week_start=rhythm.week_start())
    checkins.answer_save(
        review=review, author=other, fields={"went_well": "The long walk"}, submit=True
    )
    past = couple.reviews.filter(revealed_at__isnull=False).order_by("-week_start").first()
    checkins.topic_park(couple=couple, author=partner, text="Where we spend the holidays")
    checkins.topic_park(couple=couple, author=other, text="Screens at dinner")
    checkins.calendar_feed_reset(user=partner)

    link = accounts.coach_link_accept(link=accounts.coach_invite(couple=couple), coach=coach)
    accounts.coach_scope_set(link=link, share_engagement=True, share_reviews=True)
    prompt_set = set_create(
        author=coach, title="Keeping curiosity alive", description="Questions for slow evenings.",
        audience="Long distance", visibility="public",
    )  # fmt: skip
    prompts = [
        Prompt.objects.create(
            text=text,
            kind="question",
            layer=layer,
            depth="medium",
            minutes=10,
            author=coach,
            tags=["curiosity", "evenings"],
        )
        for text, layer in (
            ("What is something you have changed your mind about this year?", "intellectual"),
            ("Which song takes you straight back to when we met?", "emotional"),
        )
    ]
    for position, prompt in enumerate(prompts, start=1):
        prompt_set.items.create(prompt=prompt, position=position)
    set_publish(prompt_set=prompt_set, publish=True)
    set_follow(couple=couple, prompt_set=prompt_set)
    prompt_mark(couple=couple, prompt=prompts[1], state="saved", by=partner)
    offered = set_create(
        author=coach, title="After a hard week", description="", audience="", visibility="private"
    )
    offered.items.create(prompt=prompts[0], position=1)
    set_publish(prompt_set=offered, publish=True)
    set_offer(prompt_set=offered, couple=couple, coach=coach)
    pending = accounts.coach_invite(couple=couple)

    nudges_set_up(user=partner)
    nudges_set_up(user=coach)
    RecoveryCodes.activate(coach)
    # Two nudges in the inbox, one held back (and why) on the preferences page.
    now = timezone.now()
    for habit, state, held in (("morning_checkin", "sent", ""), ("evening_gratitude", "sent", ""),
                               ("slow_hug", "held", "quiet")):  # fmt: skip
        Nudge.objects.create(
            user=partner, habit=habit, local_date=partner.local_today(), due_at=now,
            state=state, held=held, in_app=True, sent_at=now if state == "sent" else None,
            title="A moment for each other", message="Ten quiet minutes, just the two of you?",
            link="/dashboard/",
        )  # fmt: skip
    User.objects.filter(pk=partner.pk).update(unread_nudges=2)

    staff = UserFactory(
        email="staff@example.com", display_name="Staff", is_staff=True, is_superuser=True
    )
    # Someone who signed up and has not confirmed yet; someone who forgot their password.
    newcomer = UserFactory(email="new@example.com", verified=False)
    address = EmailAddress.objects.create(
        user=newcomer, email=newcomer.email, verified=False, primary=True
    )
    invite_couple = accounts.couple_create(user=UserFactory(email="inviter@example.com"))
    return {
        "people": {
            PARTNER: (partner, DEMO_PASSWORD),
            COACH: (coach, PASSWORD),
            STAFF: (staff, PASSWORD),
            VISITOR: None,
        },
        "objects": {
            "couple": couple.pk,
            "checkin": mine.pk,
            "partner_checkin": theirs.pk,
            "review": review.pk,
            "past_review": past.pk,
            "set": prompt_set.slug,
            "prompt": prompts[0].pk,
            "coach_invite": pending.token,
            "invite": Invite.objects.get(couple=invite_couple).token,
            "unsubscribe": unsubscribe_token(partner),
            "email_key": EmailConfirmationHMAC(address).key,
            "reset_uid": user_pk_to_url_str(newcomer),
            "reset_key": default_token_generator.make_token(newcomer),
        },
    }


def urls_for(who: str, objects: dict) -> list[str]:
    urls = []
    routes = {r.name: r for r in all_routes()}
    for name, entry in PAGES.items():
        if isinstance(entry, str) or who not in entry:
            continue
        params = dict(entry[who])
        query = params.pop("?", "")
        url = fill(routes[name.split("#")[0]].route, {p: objects[v] for p, v in params.items()})
        urls.append(url + ("?" + query.format(**objects) if query else ""))
    return urls


# The error pages too: not found (the layout), and the server error page (a page of its own,
# rendered without the request), served here as the server would send it.
NOT_FOUND, SERVER_ERROR = "/no-such-page/", "/server-error/"


OPEN_DETAILS_JS = """() => {
  const closed = [...document.querySelectorAll("details:not([open])")];
  closed.forEach((details) => { details.open = true; });
  return closed.length;
}"""


def quick_exit_box(page: Page) -> dict | None:
    link = page.locator("a.quick-exit")
    if link.count() == 0:
        return None
    box = link.bounding_box()
    return {k: round(v) for k, v in box.items()} if box else None


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_fits_and_the_quick_exit_stays_put(live_server, new_context, world, width):
    viewport = {"width": width, "height": WIDTHS[width]}
    boxes: dict[str, list[str]] = {}
    failures = []
    for who, person in world["people"].items():
        page = new_context(viewport=viewport).new_page()
        page.route(
            f"**{SERVER_ERROR}",
            lambda route: route.fulfill(status=500, body=render_to_string("500.html")),
        )
        if person is not None:
            user, password = person
            log_in(page, live_server.url, user.email, password, check=who != PARTNER)
        for url in [*urls_for(who, world["objects"]), NOT_FOUND, SERVER_ERROR]:
            response = page.goto(live_server.url + url)
            assert response is not None, (who, url)
            assert response.status < 500 or url == SERVER_ERROR, (who, url)
            try:
                check_page(page, f"{who} {url}")
                # What folds away (a table under "The same as a table", more of a form) too.
                if page.evaluate(OPEN_DETAILS_JS):
                    assert not page.evaluate(OVERFLOW_JS), page.evaluate(OVERFLOW_JS)
                    assert not page.evaluate(CROWDING_JS), page.evaluate(CROWDING_JS)
            except AssertionError as error:
                failures.append(f"{who} at {url}: {error}")
            boxes.setdefault(str(quick_exit_box(page)), []).append(f"{who} {url}")
    if len(boxes) > 1:
        failures.append(
            "The quick exit moves:\n"
            + "\n".join(
                f"{box}: {len(pages)} pages, e.g. {pages[:4]}" for box, pages in boxes.items()
            )
        )
    assert not failures, "\n\n".join(failures)


def test_the_quick_exit_is_in_one_place_for_everyone_at_any_width(live_server, new_context, world):
    pages = {}
    for who, person in world["people"].items():
        page = new_context().new_page()
        if person is not None:
            user, password = person
            log_in(page, live_server.url, user.email, password, check=False)
        page.goto(live_server.url + ("/dashboard/" if person else "/"))
        pages[who] = page
    for width in (320, 360, 390, 414, 600, 768, 769, 800, 1024, 1280, 1440, 1920):
        boxes = {}
        for who, page in pages.items():
            page.set_viewport_size({"width": width, "height": 800})
            boxes[who] = quick_exit_box(page)
        assert len({str(box) for box in boxes.values()}) == 1, (width, boxes)
        assert boxes[VISITOR]["y"] < 20, (width, boxes)  # on the first row, at the top
