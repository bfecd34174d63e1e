import pytest
from django.urls import reverse

from prompts.models import FollowedSet, Kind, Layer, Prompt, PromptLog, PromptSet, Status
from tests.factories import UserFactory, login_redirect, make_couple, make_set

pytestmark = pytest.mark.django_db


def test_library_lists_sets_and_prompts(client, alice, everyday):
    client.force_login(alice)
    response = client.get(reverse("prompts:library"))
    assert response.status_code == 200
    assert "Everyday" in response.text
    assert "everyday prompt 1" in response.text


def test_library_filters_and_search(client, alice, everyday):
    Prompt.objects.create(
        text="Swap phones for a minute and read your last messages aloud",
        kind=Kind.ACTIVITY,
        layer=Layer.DIGITAL,
        depth="light",
        minutes=5,
        status=Status.PUBLISHED,
    )
    client.force_login(alice)
    digital = client.get(reverse("prompts:library") + "?layer=digital").text
    assert "Swap phones" in digital
    assert "everyday prompt 1" not in digital
    found = client.get(reverse("prompts:library") + "?q=messages").text
    assert "Swap phones" in found
    assert "everyday prompt" not in found
    # Words apart from each other, in another order, still find it.
    assert "Swap phones" in client.get(reverse("prompts:library") + "?q=messages+swap").text


@pytest.mark.parametrize(
    "query", ["?layer=cosmic", "?minutes=abc", "?page=999", "?q=" + "x" * 300, "?q=%00"]
)
def test_library_odd_queries_still_work(client, alice, everyday, query):
    client.force_login(alice)
    assert client.get(reverse("prompts:library") + query).status_code == 200


def test_drafts_stay_out_of_the_library(client, alice, everyday):
    Prompt.objects.create(text="secret draft", kind="question", layer="emotional", depth="light")
    client.force_login(alice)
    assert "secret draft" not in client.get(reverse("prompts:library")).text


def test_library_anonymous_goes_to_login(client):
    assert login_redirect(client.get(reverse("prompts:library")), reverse("prompts:library"))


def test_library_query_count_with_1000_prompts(client, alice, django_assert_max_num_queries):
    Prompt.objects.bulk_create(
        Prompt(
            text=f"prompt {n}",
            kind="question",
            layer="emotional",
            depth="light",
            status="published",
        )
        for n in range(1000)
    )
    for n in range(12):
        make_set(f"set-{n}", ["light", "medium"])
    client.force_login(alice)
    # The session, the user, the couple, the sets, the count and the page of prompts.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("prompts:library") + "?page=3")
    assert "1024 prompts" in response.text


def test_follow_and_unfollow_a_set(client, couple, alice, playful):
    client.force_login(alice)
    url = reverse("prompts:set_follow", args=[playful.slug])
    client.post(url)
    assert FollowedSet.objects.filter(couple=couple, prompt_set=playful).exists()
    assert (
        "You follow this set together"
        in client.get(reverse("prompts:set", args=[playful.slug])).text
    )
    client.post(url, {"follow": "no"})
    assert not FollowedSet.objects.exists()


def test_set_pages_anonymous_and_unknown(client, alice, playful):
    url = reverse("prompts:set", args=[playful.slug])
    assert login_redirect(client.get(url), url)
    follow = reverse("prompts:set_follow", args=[playful.slug])
    assert login_redirect(client.post(follow), follow)
    client.force_login(alice)
    assert client.get(reverse("prompts:set", args=["no-such-set"])).status_code == 404


def test_a_coachs_private_draft_set_is_404_for_others(client, alice, coach):
    private = PromptSet.objects.create(
        title="Mine", slug="coach-draft", author=coach, status=Status.DRAFT, visibility="private"
    )
    client.force_login(alice)
    assert client.get(reverse("prompts:set", args=[private.slug])).status_code == 404
    assert client.post(reverse("prompts:set_follow", args=[private.slug])).status_code == 404


def test_outsider_following_only_touches_their_own_couple(client, couple, charlie, playful):
    make_couple(charlie, UserFactory())
    client.force_login(charlie)
    client.post(reverse("prompts:set_follow", args=[playful.slug]))
    assert not FollowedSet.objects.filter(couple=couple).exists()


def test_todays_prompt_is_the_same_for_both_and_marking_it_shows_for_both(
    client, couple, alice, bob, everyday
):
    client.force_login(alice)
    assert "everyday prompt 1" in client.get(reverse("dashboard")).text
    client.force_login(bob)
    page = client.get(reverse("dashboard")).text
    assert "everyday prompt 1" in page
    prompt = Prompt.objects.get(text="everyday prompt 1")
    client.post(reverse("prompts:mark", args=[prompt.pk]), {"state": "done"})
    client.force_login(alice)
    assert "Done. Lovely." in client.get(reverse("dashboard")).text


def test_save_and_unsave(client, couple, alice, everyday):
    prompt = Prompt.objects.get(text="everyday prompt 2")
    client.force_login(alice)
    client.post(reverse("prompts:mark", args=[prompt.pk]), {"state": "saved", "next": "saved"})
    assert "everyday prompt 2" in client.get(reverse("prompts:saved")).text
    client.post(reverse("prompts:mark", args=[prompt.pk]), {"state": "unsave", "next": "saved"})
    assert not PromptLog.objects.exists()


def test_mark_with_an_odd_state_changes_nothing(client, couple, alice, everyday):
    prompt = Prompt.objects.get(text="everyday prompt 2")
    client.force_login(alice)
    response = client.post(
        reverse("prompts:mark", args=[prompt.pk]), {"state": "loved"}, follow=True
    )
    assert "Choose done, skip or save" in response.text
    assert not PromptLog.objects.exists()


def test_mark_a_draft_or_unknown_prompt_is_404(client, couple, alice, coach):
    draft = Prompt.objects.create(
        text="d", kind="question", layer="emotional", depth="light", author=coach
    )
    client.force_login(alice)
    assert (
        client.post(reverse("prompts:mark", args=[draft.pk]), {"state": "done"}).status_code == 404
    )
    assert client.post(reverse("prompts:mark", args=[99999]), {"state": "done"}).status_code == 404


def test_mark_and_saved_anonymous(client, everyday):
    prompt = Prompt.objects.first()
    url = reverse("prompts:mark", args=[prompt.pk])
    assert login_redirect(client.post(url, {"state": "done"}), url)
    assert login_redirect(client.get(reverse("prompts:saved")), reverse("prompts:saved"))


def test_saved_list_is_the_couples_own(client, couple, alice, charlie, everyday):
    prompt = Prompt.objects.get(text="everyday prompt 3")
    client.force_login(alice)
    client.post(reverse("prompts:mark", args=[prompt.pk]), {"state": "saved"})
    make_couple(charlie, UserFactory())
    client.force_login(charlie)
    assert "everyday prompt 3" not in client.get(reverse("prompts:saved")).text


def test_saving_a_prompt_already_done_keeps_it_done(client, couple, alice, everyday):
    prompt = everyday.items.first().prompt
    client.force_login(alice)
    client.post(reverse("prompts:mark", args=[prompt.pk]), {"state": "done"})
    client.post(reverse("prompts:mark", args=[prompt.pk]), {"state": "saved"})
    assert PromptLog.objects.get(prompt=prompt).state == "done"


@pytest.mark.parametrize("page", ["set", "saved"])
def test_set_and_saved_pages_keep_a_fixed_number_of_queries(
    client, couple, alice, everyday, page, django_assert_max_num_queries
):
    for n in range(60):
        prompt = Prompt.objects.create(
            text=f"extra {n}",
            kind="question",
            layer="emotional",
            depth="light",
            status=Status.PUBLISHED,
        )
        everyday.items.create(prompt=prompt, position=100 + n)
        PromptLog.objects.create(couple=couple, prompt=prompt, state="saved", by=alice)
    client.force_login(alice)
    url = (
        reverse("prompts:set", args=[everyday.slug]) if page == "set" else reverse("prompts:saved")
    )
    client.get(url)
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200
