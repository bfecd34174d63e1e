import datetime as dt
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from intimacy.accounts import services as accounts
from prompts.exchange import set_to_json
from prompts.models import FollowedSet, Prompt, PromptSet, SetOffer, Status
from prompts.services import (
    StudioError,
    daily_prompt,
    set_create,
    set_follow,
    set_offer,
    set_publish,
)
from tests.factories import UserFactory, make_couple

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach_set(coach):
    prompt_set = set_create(
        author=coach, title="Slow evenings", description="d", audience="a", visibility="private"
    )
    for n in range(3):
        prompt = Prompt.objects.create(
            text=f"coach prompt {n}",
            kind="question",
            layer="emotional",
            depth="light",
            minutes=5,
            author=coach,
        )
        prompt_set.items.create(prompt=prompt, position=n + 1)
    return prompt_set


def upload(data: object) -> SimpleUploadedFile:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile("set.json", raw, content_type="application/json")


def texts(prompt_set: PromptSet) -> list[str]:
    return [item.prompt.text for item in prompt_set.items.select_related("prompt")]


def test_a_coach_builds_and_publishes_a_set(client, coach):
    client.force_login(coach)
    client.post(
        reverse("prompts:studio_set_new"), {"title": "Morning words", "visibility": "public"}
    )
    prompt_set = PromptSet.objects.get(author=coach)
    url = reverse("prompts:studio_prompt_new") + f"?set={prompt_set.slug}"
    for text in ("First", "Second"):
        client.post(
            url,
            {
                "text": text,
                "kind": "question",
                "layer": "emotional",
                "depth": "light",
                "minutes": "5",
                "tags": "Morning, morning , calm",
            },
        )
    assert texts(prompt_set) == ["First", "Second"]
    assert Prompt.objects.get(text="First").tags == ["morning", "calm"]
    second = Prompt.objects.get(text="Second")
    client.post(
        reverse("prompts:studio_set_items", args=[prompt_set.slug]),
        {"action": "up", "prompt": second.pk},
    )
    assert texts(prompt_set) == ["Second", "First"]
    client.post(reverse("prompts:studio_set_publish", args=[prompt_set.slug]), {"publish": "yes"})
    prompt_set.refresh_from_db()
    assert prompt_set.status == Status.PUBLISHED
    assert set(Prompt.objects.filter(author=coach).values_list("status", flat=True)) == {
        "published"
    }


def test_export_then_import_gives_the_same_set(client, coach, coach_set):
    client.force_login(coach)
    exported = client.get(reverse("prompts:studio_set_export", args=[coach_set.slug]))
    assert exported["Content-Disposition"].startswith("attachment")
    client.post(reverse("prompts:studio_import"), {"file": upload(exported.content)})
    copy = PromptSet.objects.exclude(pk=coach_set.pk).get()
    items = [i.prompt for i in copy.items.select_related("prompt")]
    original = [i.prompt for i in coach_set.items.select_related("prompt")]
    assert set_to_json(prompt_set=copy, prompts=items) == {
        **set_to_json(prompt_set=coach_set, prompts=original),
        "title": "Slow evenings (imported)",  # not to be mistaken for the original
    }
    assert copy.status == Status.DRAFT


def test_an_imported_set_is_marked_and_a_second_import_numbered(client, coach, coach_set):
    client.force_login(coach)
    exported = client.get(reverse("prompts:studio_set_export", args=[coach_set.slug])).content
    first = client.post(reverse("prompts:studio_import"), {"file": upload(exported)}, follow=True)
    assert "Slow evenings (imported)" in first.text
    client.post(reverse("prompts:studio_import"), {"file": upload(exported)})
    titles = set(PromptSet.objects.filter(author=coach).values_list("title", flat=True))
    assert titles == {"Slow evenings", "Slow evenings (imported)", "Slow evenings (imported 2)"}


def test_copies_are_numbered_not_stacked(client, coach, coach_set):
    client.force_login(coach)
    client.post(reverse("prompts:studio_set_duplicate", args=[coach_set.slug]))
    copy = PromptSet.objects.get(title="Slow evenings (copy)")
    client.post(reverse("prompts:studio_set_duplicate", args=[copy.slug]))
    assert PromptSet.objects.filter(title="Slow evenings (copy 2)").exists()


def test_a_longest_title_still_fits_when_copied_or_imported(client, coach):
    client.force_login(coach)
    long = "A" * 120
    client.post(reverse("prompts:studio_set_new"), {"title": long, "visibility": "private"})
    original = PromptSet.objects.get(author=coach)
    duplicate = client.post(reverse("prompts:studio_set_duplicate", args=[original.slug]))
    assert duplicate.status_code == 302
    imported = upload({**GOOD, "title": long})
    assert client.post(reverse("prompts:studio_import"), {"file": imported}).status_code == 302
    titles = set(PromptSet.objects.exclude(pk=original.pk).values_list("title", flat=True))
    assert titles == {"A" * 112 + "\u2026 (copy)", "A" * 108 + "\u2026 (imported)"}


GOOD = {
    "format": "intimacy.prompt-set",
    "version": 1,
    "title": "T",
    "prompts": [
        {"text": "x", "kind": "question", "layer": "physical", "depth": "light", "minutes": 5}
    ],
}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe not json", "isn't JSON"),
        ({"title": "no format"}, "isn't a prompt set exported"),
        ({**GOOD, "version": 7}, "version 7"),
        ({**GOOD, "prompts": []}, "has no prompts"),
        ({**GOOD, "title": ""}, "title"),
        ({**GOOD, "prompts": [{**GOOD["prompts"][0], "kind": "poem"}]}, "kind"),
        ({**GOOD, "prompts": [{**GOOD["prompts"][0], "minutes": "ten"}]}, "minutes"),
        ({**GOOD, "prompts": [{**GOOD["prompts"][0], "text": "y" * 601}]}, "longer than 600"),
        ({**GOOD, "prompts": [{**GOOD["prompts"][0], "tags": "a,b"}]}, "tags"),
        ({**GOOD, "prompts": ["just text"]}, "isn't a prompt"),
        ({**GOOD, "prompts": GOOD["prompts"] * 201}, "at most 200"),
    ],
)
def test_a_bad_import_says_why_and_changes_nothing(client, coach, data, message):
    client.force_login(coach)
    response = client.post(reverse("prompts:studio_import"), {"file": upload(data)}, follow=True)
    assert "Nothing was imported" in response.text
    assert message in response.text.replace("&#x27;", "'")
    assert not PromptSet.objects.exists()
    assert not Prompt.objects.exists()


def test_duplicate(client, coach, coach_set):
    client.force_login(coach)
    client.post(reverse("prompts:studio_set_duplicate", args=[coach_set.slug]))
    copy = PromptSet.objects.exclude(pk=coach_set.pk).get()
    assert copy.title == "Slow evenings (copy)"
    assert texts(copy) == texts(coach_set)


def test_offer_accept_and_private_set_for_coached_couple_only(
    client, couple, alice, coach, coach_set, charlie
):
    accounts.coach_link_accept(link=accounts.coach_invite(couple=couple), coach=coach)
    client.force_login(coach)
    client.post(reverse("prompts:studio_set_publish", args=[coach_set.slug]), {"publish": "yes"})
    client.post(reverse("prompts:studio_set_offer", args=[coach_set.slug]), {"couple": couple.pk})
    offer = SetOffer.objects.get()
    client.force_login(alice)
    assert "Your coach suggests" in client.get(reverse("prompts:library")).text
    assert "Your coach suggests a set" in client.get(reverse("dashboard")).text
    assert client.get(reverse("prompts:set", args=[coach_set.slug])).status_code == 200
    client.post(reverse("prompts:offer_answer", args=[offer.pk]), {"accept": "yes"})
    assert FollowedSet.objects.filter(couple=couple, prompt_set=coach_set).exists()
    assert "Your coach suggests" not in client.get(reverse("dashboard")).text
    client.force_login(charlie)  # Private to the coach's couples.
    assert client.get(reverse("prompts:set", args=[coach_set.slug])).status_code == 404


def test_offers_only_to_coached_couples(client, coach, coach_set, charlie):
    other = make_couple(charlie, UserFactory())
    coach_set.status = Status.PUBLISHED
    coach_set.save()
    client.force_login(coach)
    assert (
        client.post(
            reverse("prompts:studio_set_offer", args=[coach_set.slug]), {"couple": other.pk}
        ).status_code
        == 404
    )
    assert not SetOffer.objects.exists()


def test_offer_answer_outsider_and_anonymous(client, couple, coach, coach_set, charlie):
    set_publish(prompt_set=coach_set, publish=True)
    offer = set_offer(prompt_set=coach_set, couple=couple, coach=coach)
    url = reverse("prompts:offer_answer", args=[offer.pk])
    assert client.post(url, {"accept": "yes"}).status_code == 302  # to login
    client.force_login(charlie)
    assert client.post(url, {"accept": "yes"}).status_code == 404
    assert not FollowedSet.objects.exists()


STUDIO_GETS = ["prompts:studio", "prompts:studio_prompt_new"]


@pytest.mark.parametrize("who", ["alice", "charlie", "staff", "other_coach"])
def test_the_studio_is_the_coachs_own(client, coach_set, who, request):
    client.force_login(request.getfixturevalue(who))
    is_coach = who == "other_coach"
    for name in STUDIO_GETS:
        assert client.get(reverse(name)).status_code == (200 if is_coach else 404)
    slug = coach_set.slug
    prompt = coach_set.items.first().prompt
    assert client.get(reverse("prompts:studio_set", args=[slug])).status_code == 404
    assert client.get(reverse("prompts:studio_set_export", args=[slug])).status_code == 404
    assert client.get(reverse("prompts:studio_prompt", args=[prompt.pk])).status_code == 404
    for name in ("studio_set_publish", "studio_set_duplicate", "studio_set_items"):
        assert (
            client.post(
                reverse(f"prompts:{name}", args=[slug]),
                {"publish": "yes", "action": "remove", "prompt": prompt.pk},
            ).status_code
            == 404
        )
    coach_set.refresh_from_db()
    assert coach_set.status == Status.DRAFT
    assert coach_set.items.count() == 3


def test_the_studio_sends_anonymous_to_login(client, coach_set):
    for url in (reverse("prompts:studio"), reverse("prompts:studio_set", args=[coach_set.slug])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"[" * 5000 + b"]" * 5000, "isn't JSON we can read"),
        (
            b'{"format": "intimacy.prompt-set", "version": 1, "title": "t", '
            b'"prompts": [{"minutes": ' + b"9" * 5000 + b"}]}",
            "isn't JSON we can read",
        ),
        (
            json.dumps(
                {**GOOD, "prompts": [{**GOOD["prompts"][0], "text": "hi\u0000there"}]}
            ).encode(),
            "can't hold",
        ),
        (
            json.dumps({**GOOD, "prompts": [{**GOOD["prompts"][0], "tags": ["a"] * 11}]}).encode(),
            "up to ten",
        ),
    ],
)
def test_hostile_imports_get_a_message_not_an_error(client, coach, raw, message):
    client.force_login(coach)
    response = client.post(reverse("prompts:studio_import"), {"file": upload(raw)}, follow=True)
    assert response.status_code == 200
    assert message in response.text.replace("&#x27;", "'")
    assert not Prompt.objects.exists()


def test_a_file_with_a_byte_order_mark_imports(client, coach):
    client.force_login(coach)
    client.post(
        reverse("prompts:studio_import"),
        {"file": upload(b"\xef\xbb\xbf" + json.dumps(GOOD).encode())},
    )
    assert PromptSet.objects.filter(author=coach).exists()


def test_offer_to_a_couple_id_that_is_not_a_number_is_404(client, coach, coach_set):
    client.force_login(coach)
    for value in ("abc", "9" * 30, ""):
        assert (
            client.post(
                reverse("prompts:studio_set_offer", args=[coach_set.slug]), {"couple": value}
            ).status_code
            == 404
        )


def test_a_private_sets_prompts_stay_out_of_the_library(client, coach, coach_set, charlie):
    coach_set.status = Status.PUBLISHED
    coach_set.save()
    Prompt.objects.filter(author=coach).update(status=Status.PUBLISHED)
    client.force_login(charlie)
    assert "coach prompt" not in client.get(reverse("prompts:library") + "?q=coach").text


def test_after_revoking_a_coach_their_offers_and_private_sets_stop(
    client, couple, alice, coach, coach_set
):
    link = accounts.coach_link_accept(link=accounts.coach_invite(couple=couple), coach=coach)
    coach_set.status = Status.PUBLISHED
    coach_set.save()
    Prompt.objects.filter(author=coach).update(status=Status.PUBLISHED)
    set_offer(prompt_set=coach_set, couple=couple, coach=coach)
    set_follow(couple=couple, prompt_set=coach_set)
    accounts.coach_link_revoke(link=link)

    client.force_login(alice)
    assert "Your coach suggests" not in client.get(reverse("prompts:library")).text
    assert "Your coach suggests" not in client.get(reverse("dashboard")).text
    assert daily_prompt(couple=couple, day=dt.date(2026, 11, 30), max_depth=lambda: "deep") is None
    # Stopping is still possible.
    client.post(reverse("prompts:set_follow", args=[coach_set.slug]), {"follow": "no"})
    assert not FollowedSet.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type the prompt&#x27;s number"),
        ("abc", "no prompt number"),
        ("999999", "no prompt number"),
        ("-1", "no prompt number"),
        ("1.5", "no prompt number"),
        ("No. ", "no prompt number"),
        ("9" * 40, "no prompt number"),
    ],
)
def test_adding_a_prompt_by_an_odd_number_says_so_by_the_field(
    client, coach, coach_set, typed, message
):
    client.force_login(coach)
    url = reverse("prompts:studio_set_items", args=[coach_set.slug])
    response = client.post(url, {"action": "add", "prompt": typed}, follow=True)
    assert response.status_code == 200
    error = re.search(r'<p class="error" id="id_prompt_error">(.*?)</p>', response.text)
    assert error
    assert message in error.group(1)
    assert 'aria-invalid="true"' in response.text
    assert f'value="{typed}"' in response.text or not typed  # what was typed stays
    assert coach_set.items.count() == 3


@pytest.mark.parametrize(
    "shape", ["No. {}", "no {}", "No.{}", "  No. {}  ", "#{}", "\u2116 {}", "NO. {}", "{}"]
)
def test_a_prompt_number_is_taken_as_the_library_shows_it(
    client, coach, coach_set, everyday, shape
):
    prompt = everyday.items.first().prompt
    client.force_login(coach)
    library = client.get(reverse("prompts:library")).text
    assert f"No. {prompt.pk}" in library  # what a coach reads there
    url = reverse("prompts:studio_set_items", args=[coach_set.slug])
    typed = shape.format(prompt.pk)
    client.post(url, {"action": "add", "prompt": typed})
    assert coach_set.items.filter(prompt=prompt).exists(), typed


def test_a_prompt_number_in_full_width_digits_is_taken_too(client, coach, coach_set, everyday):
    prompt = everyday.items.first().prompt
    wide = "".join(chr(ord(c) + 0xFEE0) for c in str(prompt.pk))  # a Japanese keyboard's digits
    client.force_login(coach)
    url = reverse("prompts:studio_set_items", args=[coach_set.slug])
    client.post(url, {"action": "add", "prompt": f"No. {wide}"})
    assert coach_set.items.filter(prompt=prompt).exists()


def test_the_library_search_finds_a_prompt_by_the_number_it_shows(client, coach, everyday):
    prompt = everyday.items.last().prompt
    client.force_login(coach)
    page = client.get(reverse("prompts:library"), {"q": f"No. {prompt.pk}"}).text
    assert prompt.text in page
    assert everyday.items.first().prompt.text not in page


def test_writing_into_another_coachs_set_saves_nothing(client, coach_set, other_coach):
    client.force_login(other_coach)
    url = reverse("prompts:studio_prompt_new") + f"?set={coach_set.slug}"
    response = client.post(
        url,
        {"text": "x", "kind": "question", "layer": "emotional", "depth": "light", "minutes": "5"},
    )
    assert response.status_code == 404
    assert not Prompt.objects.filter(author=other_coach).exists()


def test_prompts_of_an_unlisted_set_cannot_be_reached_by_their_number(
    client, coach, coach_set, couple, alice, other_coach
):
    coach_set.visibility = "unlisted"
    coach_set.save()
    set_publish(prompt_set=coach_set, publish=True)
    secret = Prompt.objects.filter(author=coach).first()
    mark = reverse("prompts:mark", args=[secret.pk])
    client.force_login(alice)
    assert client.post(mark, {"state": "saved"}).status_code == 404
    # With the address, the couple may follow it; then its prompts are theirs to use.
    assert client.get(reverse("prompts:set", args=[coach_set.slug])).status_code == 200
    client.post(reverse("prompts:set_follow", args=[coach_set.slug]), {"follow": "yes"})
    assert client.post(mark, {"state": "saved"}).status_code == 302
    other = set_create(
        author=other_coach, title="Mine", description="", audience="", visibility="private"
    )
    client.force_login(other_coach)
    add = {"action": "add", "prompt": secret.pk}
    client.post(reverse("prompts:studio_set_items", args=[other.slug]), add)
    assert not other.items.exists()


def test_a_coach_whose_role_was_taken_away_sees_the_couple_no_more(client, couple, coach):
    accounts.coach_link_accept(link=accounts.coach_invite(couple=couple), coach=coach)
    client.force_login(coach)
    url = reverse("coach:couple", args=[couple.pk])
    assert client.get(url).status_code == 200
    coach.is_coach = False
    coach.save()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("number", ["99999999999999999999", "9" * 40])
def test_huge_numbers_in_addresses_are_404(client, coach, number):
    client.force_login(coach)
    assert client.get(f"/coach/couples/{number}/").status_code == 404
    assert client.get(f"/prompts/studio/prompts/{number}/").status_code == 404


def test_tags_the_studio_accepts_export_and_import_again(client, coach, coach_set):
    client.force_login(coach)
    url = reverse("prompts:studio_prompt_new") + f"?set={coach_set.slug}"
    data = {"text": "T", "kind": "question", "layer": "emotional", "depth": "light", "minutes": "5"}
    response = client.post(url, {**data, "tags": "x" * 41})
    assert "40 letters or fewer" in response.text
    client.post(url, {**data, "tags": "slow mornings, tea"})
    exported = client.get(reverse("prompts:studio_set_export", args=[coach_set.slug])).content
    client.post(reverse("prompts:studio_import"), {"file": upload(exported)})
    assert PromptSet.objects.filter(author=coach).count() == 2


def test_a_duplicate_copies_the_coachs_own_prompts(client, coach, coach_set):
    client.force_login(coach)
    client.post(reverse("prompts:studio_set_duplicate", args=[coach_set.slug]))
    copy = PromptSet.objects.exclude(pk=coach_set.pk).get()
    original_ids = set(coach_set.items.values_list("prompt_id", flat=True))
    assert original_ids.isdisjoint(copy.items.values_list("prompt_id", flat=True))


def test_a_set_without_a_title_keeps_what_was_typed(client, coach):
    client.force_login(coach)
    response = client.post(
        reverse("prompts:studio_set_new"), {"title": "", "description": "Quiet evenings"}
    )
    assert response.status_code == 200
    assert "A set needs a title." in response.text
    assert "Quiet evenings" in response.text
    assert not PromptSet.objects.exists()


def test_archived_prompts_leave_set_pages_and_can_be_removed(client, coach, coach_set, alice):
    set_publish(prompt_set=coach_set, publish=True)
    coach_set.visibility = "public"
    coach_set.save()
    gone = coach_set.items.first().prompt
    Prompt.objects.filter(pk=gone.pk).update(status=Status.ARCHIVED)
    client.force_login(alice)
    assert gone.text not in client.get(reverse("prompts:set", args=[coach_set.slug])).text
    client.force_login(coach)
    client.post(
        reverse("prompts:studio_set_items", args=[coach_set.slug]),
        {"action": "remove", "prompt": gone.pk},
    )
    assert not coach_set.items.filter(prompt=gone).exists()


def test_the_studio_refuses_an_empty_publish_and_a_draft_offer(coach, coach_set, couple):
    empty = set_create(author=coach, title="E", description="", audience="", visibility="public")
    with pytest.raises(StudioError, match="Add a prompt"):
        set_publish(prompt_set=empty, publish=True)
    with pytest.raises(StudioError, match="Publish the set"):
        set_offer(prompt_set=coach_set, couple=couple, coach=coach)


def test_the_studio_set_page_keeps_a_fixed_number_of_queries(
    client, coach, coach_set, django_assert_max_num_queries
):
    for n in range(40):
        prompt = Prompt.objects.create(
            text=f"more {n}", kind="question", layer="emotional", depth="light", author=coach
        )
        coach_set.items.create(prompt=prompt, position=10 + n)
    client.force_login(coach)
    url = reverse("prompts:studio_set", args=[coach_set.slug])
    client.get(url)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
