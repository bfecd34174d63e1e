import datetime as dt
import re

import pytest
from django.urls import reverse

from checkins.services import answer_save, checkin_submit, review_for_week
from intimacy.accounts import services
from intimacy.accounts.models import CoachAccess, CoachLink
from tests.factories import login_redirect

pytestmark = pytest.mark.django_db

PRIVATE = "CANARY-coach-private"


@pytest.fixture
def link(couple, coach):
    return services.coach_link_accept(link=services.coach_invite(couple=couple), coach=coach)


def test_couple_invites_a_coach_who_accepts(client, couple, alice, coach):
    client.force_login(alice)
    client.post(reverse("accounts:couple_coach", args=[couple.pk]))
    link = CoachLink.objects.get()
    client.force_login(coach)
    url = reverse("coach:join", args=[link.token])
    assert "Coach Alice and Bob?" in client.get(url).text
    client.post(url)
    link.refresh_from_db()
    assert link.status == CoachLink.Status.ACTIVE
    assert link.coach == coach


def test_a_non_coach_cannot_accept(client, couple, charlie):
    link = services.coach_invite(couple=couple)
    client.force_login(charlie)
    response = client.post(reverse("coach:join", args=[link.token]))
    assert response.status_code == 410
    assert "for a coach" in response.text


def test_a_used_invitation_cannot_be_used_again(client, link, other_coach):
    client.force_login(other_coach)
    assert client.get(reverse("coach:join", args=[link.token])).status_code == 404


def test_the_coach_sees_only_what_is_shared_and_each_look_is_logged(
    client, couple, alice, bob, coach, link
):
    services.coach_scope_set(link=link, share_engagement=True, share_reviews=False)
    checkin_submit(
        author=bob,
        weather="rainy",
        energy=2,
        needs=[],
        tags=[],
        note_to_partner="n",
        private_note=PRIVATE,
        disclosure="all",
    )
    client.force_login(coach)
    url = reverse("coach:couple", args=[couple.pk])
    page = client.get(url).text
    assert "Bob checked in on 1 day" in page
    assert "Weekly reviews" not in page
    assert PRIVATE not in page
    assert "rainy" not in page.lower()
    assert CoachAccess.objects.count() == 1
    client.force_login(alice)
    assert (
        "Dana saw engagement counts"
        in client.get(reverse("accounts:couple_coach", args=[couple.pk])).text
    )


def test_scope_changes_what_the_coach_sees(client, couple, alice, coach, link):
    client.force_login(alice)
    client.post(reverse("accounts:coach_scope", args=[link.pk]), {"share_reviews": "on"})
    client.force_login(coach)
    page = client.get(reverse("coach:couple", args=[couple.pk])).text
    assert "Weekly reviews" in page
    assert "checked in on" not in page


def test_after_revoking_the_coach_gets_404_at_once(client, couple, alice, coach, link):
    client.force_login(alice)
    client.post(reverse("accounts:coach_revoke", args=[link.pk]))
    client.force_login(coach)
    assert client.get(reverse("coach:couple", args=[couple.pk])).status_code == 404
    page = client.get(reverse("coach:home")).text
    assert "No couple has linked" not in page  # one had: "yet" would not be true
    assert "No couple is linked with you at the moment" in page
    assert "Alice" not in page


@pytest.mark.parametrize("who", ["alice", "other_coach", "charlie", "staff"])
def test_nobody_but_the_linked_coach_sees_the_coach_page(client, couple, link, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("coach:couple", args=[couple.pk])).status_code == 404


def test_coach_pages_anonymous(client, couple, link):
    for url in (
        reverse("coach:couple", args=[couple.pk]),
        reverse("coach:home"),
        reverse("accounts:couple_coach", args=[couple.pk]),
        reverse("coach:join", args=[link.token]),
    ):
        assert login_redirect(client.get(url), url)
    for url in (
        reverse("accounts:coach_scope", args=[link.pk]),
        reverse("accounts:coach_revoke", args=[link.pk]),
    ):
        assert login_redirect(client.post(url), url)


@pytest.mark.parametrize("who", ["coach", "other_coach", "charlie", "staff"])
def test_only_partners_manage_their_coach(client, couple, link, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("accounts:couple_coach", args=[couple.pk])).status_code == 404
    assert client.post(reverse("accounts:coach_revoke", args=[link.pk])).status_code == 404
    assert (
        client.post(
            reverse("accounts:coach_scope", args=[link.pk]), {"share_reviews": "on"}
        ).status_code
        == 404
    )
    link.refresh_from_db()
    assert (link.status, link.share_reviews) == ("active", False)


def test_coach_home_lists_only_my_couples_and_is_404_for_partners(
    client, couple, alice, coach, other_coach, link
):
    client.force_login(other_coach)
    assert "Alice" not in client.get(reverse("coach:home")).text
    client.force_login(coach)
    assert "Alice and Bob" in client.get(reverse("coach:home")).text
    client.force_login(alice)
    assert client.get(reverse("coach:home")).status_code == 404


def test_an_ended_couple_is_404_for_its_coach(client, couple, coach, link):
    services.couple_end(couple=couple)
    client.force_login(coach)
    assert client.get(reverse("coach:couple", args=[couple.pk])).status_code == 404
    assert "No couple is linked with you at the moment" in client.get(reverse("coach:home")).text


def test_a_coach_never_linked_reads_that_nobody_has_linked_yet(client, couple, coach):
    services.coach_link_revoke(link=services.coach_invite(couple=couple))  # withdrawn unused
    client.force_login(coach)
    assert "No couple has linked with you yet" in client.get(reverse("coach:home")).text


def test_the_coach_couple_page_names_the_couple(client, couple, coach, link):
    client.force_login(coach)
    page = client.get(reverse("coach:couple", args=[couple.pk])).text
    assert "<title>Alice and Bob" in page
    assert re.search(r"<h1[^>]*>Alice and Bob</h1>", page)


def test_the_couple_reads_no_coach_at_the_moment_after_ending_one(client, couple, alice, link):
    client.force_login(alice)
    url = reverse("accounts:couple_coach", args=[couple.pk])
    client.post(reverse("accounts:coach_revoke", args=[link.pk]))
    page = client.get(url).text
    assert "No coach yet" not in page
    assert "No coach at the moment" in page


def test_a_coach_can_type_the_couples_code(client, couple, coach):
    link = services.coach_invite(couple=couple)
    client.force_login(coach)
    response = client.post(reverse("coach:join_code"), {"code": link.display_code.lower()})
    assert response.url == reverse("coach:join", args=[link.token])
    wrong = client.post(reverse("coach:join_code"), {"code": "ZZZZ-ZZZZ"}, follow=True)
    assert "find an invitation with that code" in wrong.text


def test_a_new_coach_sees_nothing_until_the_couple_chooses(client, couple, coach, link):
    client.force_login(coach)
    page = client.get(reverse("coach:couple", args=[couple.pk])).text
    assert "Nothing at the moment" in page
    assert "checked in on" not in page


def test_the_couples_log_outlives_a_coach_who_leaves(client, couple, alice, coach, link):
    services.coach_access_record(link=link, what="engagement counts")
    coach.delete()
    client.force_login(alice)
    page = client.get(reverse("accounts:couple_coach", args=[couple.pk])).text
    assert "A coach who has since left saw engagement counts" in page
    assert "Dana" not in page


def test_a_coach_invitation_expires_after_seven_days(client, couple, coach):
    import datetime as dt

    import time_machine

    invite = services.coach_invite(couple=couple)
    client.force_login(coach)
    url = reverse("coach:join", args=[invite.token])
    with time_machine.travel(invite.created_at + dt.timedelta(days=7, minutes=1)):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        with pytest.raises(services.CoupleError, match="expired"):
            services.coach_link_accept(link=invite, coach=coach)
    assert not CoachLink.objects.filter(status="active").exists()


def test_both_partners_see_that_a_coach_is_linked(client, couple, alice, bob, link):
    for partner in (alice, bob):
        client.force_login(partner)
        page = client.get(reverse("dashboard")).text
        assert "A coach works with the two of you" in page
    services.coach_link_revoke(link=link)
    assert "A coach works with" not in client.get(reverse("dashboard")).text


@pytest.mark.parametrize("name", ["coach:couple", "accounts:couple_coach"])
def test_coach_pages_keep_a_fixed_number_of_queries(
    client, couple, alice, coach, link, name, django_assert_max_num_queries
):
    services.coach_scope_set(link=link, share_engagement=True, share_reviews=True)
    for _ in range(20):
        services.coach_access_record(link=link, what="engagement counts")
    client.force_login(coach if name.startswith("coach:") else alice)
    url = reverse(name, args=[couple.pk])
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_the_coachs_average_gaps_round_halves_away_from_zero(client, couple, alice, bob, link):
    """Per layer, the two partners' gaps average to a half: +0.5 shows +1, +1.5 shows +2,
    -0.5 shows -1 (Python's round() showed 0, +2 and 0), and the page says how."""
    services.coach_scope_set(link=link, share_engagement=False, share_reviews=True)
    review = review_for_week(couple=couple, week_start=dt.date(2026, 11, 23))
    layers = ("emotional", "physical", "intellectual", "digital")
    gaps = {"alice": (1, 2, -1, 0), "bob": (0, 1, 0, 0)}
    for who, partner in (("alice", alice), ("bob", bob)):
        fields = {}
        for layer, gap in zip(layers, gaps[who], strict=True):
            fields[f"felt_{layer}"], fields[f"wished_{layer}"] = 3, 3 + gap
        answer_save(review=review, author=partner, fields=fields, submit=True)
    client.force_login(link.coach)
    page = client.get(reverse("coach:couple", args=[couple.pk])).text
    # The week's group: its heading row, then one row of the four layers' gaps.
    week = re.search(r"Week of 23 November 2026.*?</tr>\s*<tr>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", week) == ["+1", "+2", "-1", "0"]
    assert "halves away from zero" in page
