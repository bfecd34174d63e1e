import datetime as dt
import json

import pytest

from prompts.management.commands.loadprompts import DEFAULT
from prompts.models import DailyPrompt, Depth, Prompt, PromptLog, PromptSet
from prompts.services import daily_prompt, library_load, prompt_mark, set_follow

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 21)


def light() -> str:
    return Depth.LIGHT


def deep() -> str:
    return Depth.DEEP


def test_default_set_in_order_when_following_nothing(couple, everyday):
    first = daily_prompt(couple=couple, day=DAY, max_depth=light)
    second = daily_prompt(couple=couple, day=DAY + dt.timedelta(days=1), max_depth=light)
    assert [first.prompt.text, second.prompt.text] == ["everyday prompt 1", "everyday prompt 2"]


def test_the_same_prompt_all_day_for_both_partners(couple, everyday):
    for_alice = daily_prompt(couple=couple, day=DAY, max_depth=light)
    for_bob = daily_prompt(couple=couple, day=DAY, max_depth=deep)
    assert for_alice.pk == for_bob.pk
    assert DailyPrompt.objects.count() == 1


def test_followed_sets_in_order_and_no_repeats(couple, alice, everyday, playful):
    set_follow(couple=couple, prompt_set=playful)
    seen = []
    for n in range(4):
        daily = daily_prompt(couple=couple, day=DAY + dt.timedelta(days=n), max_depth=deep)
        if daily is None:
            break
        seen.append(daily.prompt.text)
    assert seen == ["playful prompt 1", "playful prompt 2", "playful prompt 3"]


def test_done_and_skipped_prompts_never_come_back(couple, alice, everyday):
    first, second = Prompt.objects.filter(sets=everyday).order_by("id")[:2]
    prompt_mark(couple=couple, prompt=first, state=PromptLog.State.DONE, by=alice)
    prompt_mark(couple=couple, prompt=second, state=PromptLog.State.SKIPPED, by=alice)
    assert daily_prompt(couple=couple, day=DAY, max_depth=light) is None  # Only deeper ones left.
    assert daily_prompt(
        couple=couple, day=DAY + dt.timedelta(days=1), max_depth=deep
    ).prompt.text == ("everyday prompt 3")


def test_depth_follows_the_pace(couple, everyday, playful):
    set_follow(couple=couple, prompt_set=playful)
    texts = [
        daily_prompt(couple=couple, day=DAY + dt.timedelta(days=n), max_depth=light).prompt.text
        for n in range(2)
    ]
    assert texts == ["playful prompt 1", "playful prompt 3"]  # The deep one waits.


def test_nothing_left_is_asked_once(couple, django_assert_max_num_queries):
    assert daily_prompt(couple=couple, day=DAY, max_depth=light) is None
    with django_assert_max_num_queries(1):
        assert daily_prompt(couple=couple, day=DAY, max_depth=light) is None


def test_the_pace_is_only_asked_when_choosing(couple, everyday):
    asked = []

    def pace() -> str:
        asked.append(1)
        return Depth.LIGHT

    daily_prompt(couple=couple, day=DAY, max_depth=pace)
    daily_prompt(couple=couple, day=DAY, max_depth=pace)
    assert asked == [1]


def test_the_shipped_library_loads_twice_the_same(db):
    data = json.loads(DEFAULT.read_text())
    assert library_load(data=data) == library_load(data=data)
    assert Prompt.objects.count() == len(data["prompts"]) >= 150
    assert PromptSet.objects.count() == len(data["sets"]) >= 10
    assert PromptSet.objects.get(is_default=True).slug == "everyday-closeness"
    layers = set(Prompt.objects.values_list("layer", flat=True))
    assert layers == {"emotional", "physical", "intellectual", "digital"}


def test_following_a_set_after_an_empty_day_offers_its_first_prompt(couple, playful):
    assert daily_prompt(couple=couple, day=DAY, max_depth=light) is None
    set_follow(couple=couple, prompt_set=playful)
    assert daily_prompt(couple=couple, day=DAY, max_depth=light).prompt.text == "playful prompt 1"


def test_following_a_set_starts_it_today(couple, alice, everyday, playful):
    assert daily_prompt(couple=couple, day=DAY, max_depth=light).prompt.text == "everyday prompt 1"
    set_follow(couple=couple, prompt_set=playful)
    assert daily_prompt(couple=couple, day=DAY, max_depth=light).prompt.text == "playful prompt 1"


def test_a_prompt_already_done_today_stays_after_following(couple, alice, everyday, playful):
    first = daily_prompt(couple=couple, day=DAY, max_depth=light).prompt
    prompt_mark(couple=couple, prompt=first, state=PromptLog.State.DONE, by=alice)
    set_follow(couple=couple, prompt_set=playful)
    assert daily_prompt(couple=couple, day=DAY, max_depth=light).prompt == first


def test_loading_again_keeps_what_staff_archived(db):
    data = json.loads(DEFAULT.read_text())
    library_load(data=data)
    first = Prompt.objects.get(library_key=data["prompts"][0]["key"])
    first.status = "archived"
    first.save()
    library_load(data=data)
    first.refresh_from_db()
    assert first.status == "archived"


def test_the_pace_follows_the_less_engaged_partner(couple, alice, bob, everyday):
    import time_machine

    from checkins.selectors.prompt_pace import prompt_pace
    from tests.factories import submit

    start = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
    prompts = [item.prompt for item in everyday.items.all()]

    def checkins(user, days: int, offset: int = 0) -> None:
        for day in range(days):
            with time_machine.travel(start + dt.timedelta(days=offset + day), tick=False):
                submit(user)

    checkins(alice, 12)
    checkins(bob, 3)
    for prompt in prompts[:3]:
        prompt_mark(couple=couple, prompt=prompt, state="done", by=alice)
    now = start + dt.timedelta(days=12)
    with time_machine.travel(now, tick=False):
        assert prompt_pace(couple=couple, people=[alice, bob]) == Depth.LIGHT  # Bob: 3 days
    checkins(bob, 1, offset=3)
    with time_machine.travel(now, tick=False):
        assert prompt_pace(couple=couple, people=[alice, bob]) == Depth.MEDIUM
    # Two weeks later the old check-ins have left the window.
    with time_machine.travel(now + dt.timedelta(days=14), tick=False):
        assert prompt_pace(couple=couple, people=[alice, bob]) == Depth.LIGHT
