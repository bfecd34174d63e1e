"""The prompt library: loading it, following sets, and what a couple did with a prompt."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from intimacy.accounts.models import Couple, User

from .models import (
    DEPTH_ORDER,
    DailyPrompt,
    FollowedSet,
    Prompt,
    PromptLog,
    PromptSet,
    PromptSetItem,
    Status,
)


@transaction.atomic
def library_load(*, data: dict[str, Any]) -> tuple[int, int]:
    """Load the library that ships with the app; run it again and it updates in place.

    Returns the number of prompts and sets in the file.
    """
    now = timezone.now()
    by_key: dict[str, Prompt] = {}
    for item in data["prompts"]:
        fields = {name: item[name] for name in ("text", "kind", "layer", "depth", "minutes")}
        prompt, _ = Prompt.objects.update_or_create(
            library_key=item["key"],
            defaults={
                **fields,
                "tags": item.get("tags", []),
                "author": None,
                "status": Status.PUBLISHED,
                "updated_at": now,
            },
        )
        by_key[item["key"]] = prompt
    for item in data["sets"]:
        prompt_set, _ = PromptSet.objects.update_or_create(
            slug=item["slug"],
            author=None,
            defaults={
                "title": item["title"],
                "description": item.get("description", ""),
                "audience": item.get("audience", ""),
                "visibility": PromptSet.Visibility.PUBLIC,
                "status": Status.PUBLISHED,
                "last_published_at": now,
                "is_default": item.get("default", False) or item["slug"] == "everyday-closeness",
            },
        )
        prompt_set.items.all().delete()
        PromptSetItem.objects.bulk_create(
            PromptSetItem(prompt_set=prompt_set, prompt=by_key[key], position=n)
            for n, key in enumerate(item["prompts"], start=1)
        )
    return len(data["prompts"]), len(data["sets"])


def set_follow(*, couple: Couple, prompt_set: PromptSet) -> None:
    FollowedSet.objects.get_or_create(couple=couple, prompt_set=prompt_set)


def set_unfollow(*, couple: Couple, prompt_set: PromptSet) -> None:
    FollowedSet.objects.filter(couple=couple, prompt_set=prompt_set).delete()


def prompt_mark(*, couple: Couple, prompt: Prompt, state: str, by: User) -> PromptLog:
    """Mark a prompt done, skipped or saved for the couple (a later mark replaces it)."""
    log, _ = PromptLog.objects.update_or_create(
        couple=couple, prompt=prompt, defaults={"state": state, "by": by, "at": timezone.now()}
    )
    return log


def prompt_unsave(*, couple: Couple, prompt: Prompt) -> None:
    PromptLog.objects.filter(couple=couple, prompt=prompt, state=PromptLog.State.SAVED).delete()


def daily_prompt(
    *, couple: Couple, day: dt.date, max_depth: Callable[[], str]
) -> DailyPrompt | None:
    """Today's prompt for the couple, chosen on first asking and then the same for both.

    From the sets the couple follows (the default set if none), in their order and each set's
    order, never one the couple did or skipped or was already given, no deeper than
    `max_depth()` (the pace of the less engaged partner, judged by the caller, and asked only
    when a new prompt is chosen). `state` on the result is what the couple did with it.
    """
    chosen = _daily(couple=couple, day=day).first()
    if chosen is None:
        chosen = _choose(
            couple=couple, day=day, prompt=_next_prompt(couple=couple, max_depth=max_depth())
        )
    return chosen if chosen.prompt_id else None


def _choose(*, couple: Couple, day: dt.date, prompt: Prompt | None) -> DailyPrompt:
    try:
        with transaction.atomic():
            DailyPrompt.objects.create(couple=couple, day=day, prompt=prompt)
    except IntegrityError:  # The partner's page asked at the same moment: theirs stands.
        pass
    return _daily(couple=couple, day=day).get()


def _daily(*, couple: Couple, day: dt.date) -> "models.QuerySet[DailyPrompt]":
    state = PromptLog.objects.filter(couple=couple, prompt=OuterRef("prompt")).values("state")
    return (
        DailyPrompt.objects.select_related("prompt")
        .filter(couple=couple, day=day)
        .annotate(state=Subquery(state[:1]))
    )


def _next_prompt(*, couple: Couple, max_depth: str) -> Prompt | None:
    followed = list(
        FollowedSet.objects.filter(couple=couple)
        .order_by("followed_at")
        .values_list("prompt_set_id", flat=True)
    )
    if not followed:
        followed = list(PromptSet.objects.filter(is_default=True).values_list("id", flat=True))
    order = {set_id: n for n, set_id in enumerate(followed)}
    deepest = DEPTH_ORDER[max_depth]
    used = PromptLog.objects.filter(
        couple=couple, state__in=[PromptLog.State.DONE, PromptLog.State.SKIPPED]
    ).values("prompt_id")
    # (NOT IN with a NULL in the list would exclude everything: leave the empty days out.)
    given = DailyPrompt.objects.filter(couple=couple, prompt__isnull=False).values("prompt_id")
    items = (
        PromptSetItem.objects.filter(prompt_set_id__in=followed, prompt__status=Status.PUBLISHED)
        .exclude(prompt_id__in=used)
        .exclude(prompt_id__in=given)
        .select_related("prompt")
    )
    candidates = sorted(items, key=lambda item: (order[item.prompt_set_id], item.position))
    for item in candidates:
        if DEPTH_ORDER[item.prompt.depth] <= deepest:
            return item.prompt
    return None
