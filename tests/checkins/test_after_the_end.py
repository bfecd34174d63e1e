"""After a couple ends: each former partner keeps a calm, read-only archive of their own entries,
and nothing the other wrote. Alice and Bob end their couple; Alice pairs again with Charlie."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkins import services
from checkins.models import ParkedTopic, Reaction, Review, ReviewAnswer, Rhythm, RhythmMove
from intimacy.accounts.services import couple_end
from intimacy.privacy.deletion import account_delete
from intimacy.privacy.export import data_export
from tests.factories import FULL, UserFactory, make_couple, rhythm_for, submit

# Time stands still on Wednesday 18 November 2026 at noon UTC (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday_noon")]

# What each partner wrote. Bob's words must never reach Alice after the end, and Alice's never
# reach Bob, even where they were shown to both before it.
ALICE_SHARED = "ALICE-went-well-revealed-31a"
ALICE_DRAFT = "ALICE-draft-never-shared-7b2"
ALICE_TOPIC = "ALICE-topic-parked-5c0"
BOB_SHARED = "BOB-went-well-revealed-9f4"
BOB_UNREVEALED = "BOB-went-well-unrevealed-e21"
BOB_TOPIC = "BOB-topic-parked-0d8"
BOB_NOTE = "BOB-note-to-partner-6aa"
ALICE_NOTE = "ALICE-note-to-partner-c73"
BOB_WORDS = (BOB_SHARED, BOB_UNREVEALED, BOB_TOPIC, BOB_NOTE)
ALICE_WORDS = (ALICE_SHARED, ALICE_DRAFT, ALICE_TOPIC, ALICE_NOTE)


@pytest.fixture
def story(couple, alice, bob):
    """Alice and Bob, three weeks together: a revealed week with a focus, a week only Bob
    shared (Alice kept a draft), topics, today's check-ins and reactions; then Alice ends it."""
    rhythm_for(couple)
    revealed = services.review_for_week(couple=couple, week_start=dt.date(2026, 11, 2))
    services.answer_save(
        review=revealed, author=alice, fields={**FULL, "went_well": ALICE_SHARED}, submit=True
    )
    bobs = {**FULL, "went_well": BOB_SHARED, "felt_emotional": 1, "wished_emotional": 5}
    services.answer_save(review=revealed, author=bob, fields=bobs, submit=True)
    services.review_choose_focus(review=revealed, habit="slow_hug")
    unrevealed = services.review_for_week(couple=couple, week_start=dt.date(2026, 11, 9))
    services.answer_save(
        review=unrevealed, author=bob, fields={**FULL, "went_well": BOB_UNREVEALED}, submit=True
    )
    services.answer_save(
        review=unrevealed, author=alice, fields={"went_well": ALICE_DRAFT}, submit=False
    )
    services.topic_park(couple=couple, author=alice, text=ALICE_TOPIC)
    services.topic_park(couple=couple, author=bob, text=BOB_TOPIC)
    hers = submit(alice, note_to_partner=ALICE_NOTE, private_note="alice's own private note")
    his = submit(bob, note_to_partner=BOB_NOTE)
    services.reaction_set(checkin=hers, author=bob, kind="hug")
    services.reaction_set(checkin=his, author=alice, kind="see_you")
    couple_end(couple=couple)
    return {
        "couple": couple,
        "revealed": revealed,
        "unrevealed": unrevealed,
        "hers": hers,
        "his": his,
    }


def page(client, user, name: str, *args: object) -> str:
    client.force_login(user)
    response = client.get(reverse(name, args=args), follow=True)
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


def assert_none_of(words: tuple[str, ...], text: str) -> None:
    leaked = [w for w in words if w in text]
    assert leaked == [], leaked


# The review pages lead to the archive


def test_after_the_end_the_review_pages_lead_to_my_archive(client, story, alice):
    archive = reverse("checkins:archive_couple", args=[story["couple"].pk])
    for name in ("checkins:review_home", "checkins:trends"):
        text = page(client, alice, name)
        assert f'href="{archive}"' in text, name
        assert_none_of(BOB_WORDS, text)


def test_the_archive_list_names_each_former_couple_calmly(client, story, alice):
    text = page(client, alice, "checkins:archive")
    assert "your former partner" in text
    assert "Bob" not in text
    assert reverse("checkins:archive_couple", args=[story["couple"].pk]) in text


def test_my_archive_holds_my_reviews_topics_checkins_and_gap(client, story, alice):
    text = page(client, alice, "checkins:archive_couple", story["couple"].pk)
    assert reverse("checkins:archive_review", args=[story["revealed"].pk]) in text
    assert reverse("checkins:archive_review", args=[story["unrevealed"].pk]) in text
    assert ALICE_TOPIC in text
    assert "emotional +2" in text  # my own gap: wished 5, felt 3
    assert "emotional +4" not in text  # Bob's (wished 5, felt 1)
    assert "November 2026" in text  # the months I checked in, with a link to each
    assert reverse("checkins:history") + "?month=2026-11" in text
    assert "A slow hug" in text  # the focus we chose together
    assert_none_of(BOB_WORDS, text)
    assert "Bob" not in text


def test_my_past_review_shows_my_answers_and_never_my_former_partners(client, story, alice):
    text = page(client, alice, "checkins:review", story["revealed"].pk)
    assert ALICE_SHARED in text
    assert "What went well for us" in text  # the question's own words
    assert_none_of(BOB_WORDS, text)
    assert "Bob" not in text
    # Read-only: no answer form, no focus to choose, nothing to move.
    assert 'name="went_well"' not in text
    assert not re.search(r'action="/review/', text)
    draft = page(client, alice, "checkins:review", story["unrevealed"].pk)
    assert ALICE_DRAFT in draft
    assert "never shared" in draft
    assert_none_of(BOB_WORDS, draft)


def test_bob_keeps_his_own_archive_and_nothing_of_alices(client, story, bob):
    text = page(client, bob, "checkins:archive_couple", story["couple"].pk)
    assert BOB_TOPIC in text
    assert "emotional +4" in text
    assert_none_of(ALICE_WORDS, text)
    for review in ("revealed", "unrevealed"):
        text = page(client, bob, "checkins:review", story[review].pk)
        assert_none_of(ALICE_WORDS, text)
    assert BOB_UNREVEALED in text


def test_an_archived_review_cannot_be_changed(client, story, alice):
    client.force_login(alice)
    review = story["unrevealed"]
    before = list(ReviewAnswer.objects.values_list("pk", "went_well", "submitted_at"))
    posts = [
        (reverse("checkins:review", args=[review.pk]), {"went_well": "x", "action": "submit"}),
        (reverse("checkins:review_focus", args=[review.pk]), {"habit": "slow_hug"}),
        (reverse("checkins:review_move", args=[review.pk]), {"starts_at": "2026-11-21T10:00"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert client.get(reverse("checkins:review_move", args=[review.pk])).status_code == 404
    topic = ParkedTopic.objects.get(author=alice)
    url = reverse("checkins:topic_talked", args=[topic.pk])
    assert client.post(url, {"talked": "yes"}).status_code == 404
    assert list(ReviewAnswer.objects.values_list("pk", "went_well", "submitted_at")) == before
    assert Review.objects.get(pk=review.pk).focus_habit == ""
    assert not RhythmMove.objects.exists()
    assert ParkedTopic.objects.get(pk=topic.pk).talked_at is None


def test_an_outsider_reaches_no_archive(client, story, charlie):
    client.force_login(charlie)
    urls = [
        reverse("checkins:archive_couple", args=[story["couple"].pk]),
        reverse("checkins:review", args=[story["revealed"].pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert "your former partner" not in page(client, charlie, "checkins:archive")


def test_archive_pages_need_a_login(client, story):
    for url in (
        reverse("checkins:archive"),
        reverse("checkins:archive_couple", args=[story["couple"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_archive_page_queries_do_not_grow_with_history(client, couple, alice, bob):
    rhythm = rhythm_for(couple)

    def count() -> int:
        client.force_login(alice)
        url = reverse("checkins:archive_couple", args=[couple.pk])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    services.topic_park(couple=couple, author=alice, text="first")
    couple_end(couple=couple)
    first = count()
    for weeks_ago in range(1, 60):
        past = services.review_for_week(
            couple=couple, week_start=rhythm.week_start() - dt.timedelta(weeks=weeks_ago)
        )
        for person in (alice, bob):
            ReviewAnswer.objects.create(review=past, author=person, **FULL)
        services.topic_park(couple=couple, author=alice, text=f"topic {weeks_ago}")
    assert count() == first <= 8


# Every place that names the other partner


def test_dashboard_names_the_former_partner_on_a_reaction(client, story, alice):
    text = page(client, alice, "dashboard")
    assert "Your former partner: <strong>Sending a hug</strong>" in text
    assert ": <strong>Sending a hug" not in text.replace("Your former partner: <strong>", "")


def test_my_checkin_after_the_end_names_my_former_partner(client, story, alice):
    text = page(client, alice, "checkins:detail", story["hers"].pk)
    assert "Your former partner answered: <strong>Sending a hug</strong>" in text
    assert "Bob" not in text
    assert "Your partner sees" not in text  # nobody sees it now
    assert "Shared with your former partner" in text


def test_a_checkin_made_alone_says_nobody_saw_it(client, story, alice):
    with time_machine.travel(dt.datetime(2026, 11, 19, 12, tzinfo=dt.UTC), tick=False):
        alone = submit(alice)
        text = page(client, alice, "checkins:detail", alone.pk)
    assert "Your partner sees" not in text
    assert "Only you" in text


# Pairing again starts a new history; the archive stays


def test_a_new_couple_starts_a_new_history_and_the_archive_stays(client, story, alice, charlie):
    new = make_couple(alice, charlie)
    client.force_login(alice)
    response = client.get(reverse("checkins:review_home"))
    assert response.url == reverse("checkins:rhythm")  # a new rhythm for the new couple
    assert not Rhythm.objects.filter(couple=new).exists()
    archive = page(client, alice, "checkins:archive_couple", story["couple"].pk)
    assert ALICE_TOPIC in archive
    assert ALICE_SHARED in page(client, alice, "checkins:review", story["revealed"].pk)
    assert reverse("checkins:archive_couple", args=[story["couple"].pk]) in page(
        client, alice, "privacy"
    )
    # Charlie reaches nothing of the couple Alice had before.
    client.force_login(charlie)
    for url in (
        reverse("checkins:archive_couple", args=[story["couple"].pk]),
        reverse("checkins:review", args=[story["revealed"].pk]),
        reverse("checkins:detail", args=[story["hers"].pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_reaction_from_before_is_not_put_in_the_new_partners_mouth(client, story, alice, charlie):
    make_couple(alice, charlie)
    text = page(client, alice, "dashboard")
    assert "Charlie: <strong>" not in text
    assert "Your former partner: <strong>Sending a hug</strong>" in text


def test_a_checkin_shared_with_a_former_couple_opens_nothing_of_the_new_partner(
    client, story, alice, charlie
):
    make_couple(alice, charlie)
    charlies = submit(charlie, note_to_partner="CHARLIE-today-4e1")
    text = page(client, alice, "dashboard")
    # Alice's check-in of today went to Bob: Charlie cannot see it, so nor does she see his.
    assert "CHARLIE-today-4e1" not in text
    assert "can't see it" in text
    client.force_login(alice)
    assert client.get(reverse("checkins:detail", args=[charlies.pk])).status_code == 404


def test_after_an_account_deletion_the_archive_stays_and_names_nobody(client, story, alice, bob):
    account_delete(user=bob)
    text = page(client, alice, "checkins:archive_couple", story["couple"].pk)
    assert ALICE_TOPIC in text
    assert "your former partner" in text
    text = page(client, alice, "checkins:detail", story["hers"].pk)
    assert "Bob" not in text
    assert "Shared with your former partner" in text


# The export made after the end follows the same rule


def test_the_export_after_the_end_holds_only_my_own_entries(client, story, alice):
    data = data_export(user=alice)
    text = json.dumps(data, cls=DjangoJSONEncoder)
    assert_none_of(BOB_WORDS, text)
    assert "Bob" not in text
    [couple] = data["couples"]
    assert couple["partners"] == ["Alice", "your former partner"]
    assert all(review["partner_answer"] is None for review in couple["reviews"])
    assert [t["text"] for t in couple["parked_topics"]] == [ALICE_TOPIC]
    for word in (ALICE_SHARED, ALICE_DRAFT, ALICE_TOPIC, ALICE_NOTE):
        assert word in text
    client.force_login(alice)
    html = client.get(reverse("export_html")).content.decode()
    assert_none_of(BOB_WORDS, html)
    assert "Bob" not in html
    assert ALICE_SHARED in html


def test_the_export_of_a_current_couple_still_holds_what_both_were_shown(couple, alice, bob):
    rhythm_for(couple)
    review = services.review_for_week(couple=couple, week_start=dt.date(2026, 11, 2))
    services.answer_save(
        review=review, author=bob, fields={**FULL, "went_well": BOB_SHARED}, submit=True
    )
    services.answer_save(review=review, author=alice, fields=FULL, submit=True)
    services.topic_park(couple=couple, author=bob, text=BOB_TOPIC)
    [exported] = data_export(user=alice)["couples"]
    assert exported["partners"] == ["Alice", "Bob"]
    assert exported["reviews"][0]["partner_answer"]["went_well"] == BOB_SHARED
    assert exported["parked_topics"][0]["by"] == "Bob"


def test_the_export_after_a_new_pairing_keeps_both_histories_apart(story, alice, charlie):
    make_couple(alice, charlie)
    data = data_export(user=alice)
    old, new = data["couples"]
    assert old["partners"] == ["Alice", "your former partner"]
    assert new["partners"] == ["Alice", "Charlie"]
    assert new["reviews"] == []
    assert new["parked_topics"] == []
    assert Reaction.objects.filter(author=charlie).count() == 0


def test_the_export_after_a_deletion_names_the_former_partner(story, alice, bob):
    account_delete(user=bob)
    [couple] = data_export(user=alice)["couples"]
    assert couple["partners"] == ["Alice", "your former partner"]


# A coach's invitation from a couple that has since ended


def test_a_coach_invitation_of_an_ended_couple_cannot_be_used(client, couple, coach):
    from intimacy.accounts.services import coach_invite

    link = coach_invite(couple=couple)
    couple_end(couple=couple)
    client.force_login(coach)
    response = client.get(reverse("coach:join", args=[link.token]))
    assert response.status_code == 404
    assert "This invitation can't be used" in response.text


def test_the_rule_reads_the_same_as_a_filter_and_on_one_entry(story, alice, bob, charlie):
    """may_read/readable and answer_readable/readable_answers are one rule written twice (for
    one entry in hand, and for a query): they agree for every person and entry."""
    from checkins.models import CheckIn
    from intimacy.accounts.services import current_couple

    new = make_couple(alice, charlie)
    submit(charlie)
    services.topic_park(couple=new, author=charlie, text="charlie's")
    for viewer in (alice, bob, charlie):
        current = current_couple(user=viewer)
        for model in (CheckIn, ParkedTopic):
            by_query = set(model.objects.filter(services.readable(viewer=viewer, current=current)))
            by_entry = {
                entry
                for entry in model.objects.all()
                if services.may_read(
                    viewer=viewer,
                    author_id=entry.author_id,
                    couple_id=entry.couple_id,
                    current=current,
                )
            }
            assert by_query == by_entry, (viewer, model)
        answers = ReviewAnswer.objects.select_related("review")
        by_query = set(answers.filter(services.readable_answers(viewer=viewer, current=current)))
        by_entry = {
            a
            for a in answers
            if services.answer_readable(viewer=viewer, answer=a, review=a.review, current=current)
        }
        assert by_query == by_entry, viewer


def test_history_after_the_end_holds_mine_and_nothing_of_my_former_partner(client, story, alice):
    text = page(client, alice, "checkins:history")
    assert reverse("checkins:detail", args=[story["hers"].pk]) in text
    assert reverse("checkins:detail", args=[story["his"].pk]) not in text
    assert "Bob" not in text


def test_the_email_after_a_deletion_says_where_my_entries_are(
    story, alice, bob, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=bob)
    assert mailoutbox == []  # the couple had ended already: nobody to tell
    new = make_couple(alice, UserFactory(email="dora@example.com", display_name="Dora"))
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=new.memberships.get(slot=2).user)
    [mail] = mailoutbox
    assert "to read under Review" in mail.body
    assert "to read under Review" in mail.alternatives[0][0]
    assert "Dora" not in mail.body
