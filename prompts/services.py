"""The prompt library: loading it, following sets, and what a couple did with a prompt."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from intimacy.accounts.models import CoachLink, Couple, User

from .exchange import SetData
from .models import (
    DEPTH_ORDER,
    DailyPrompt,
    Depth,
    FollowedSet,
    Prompt,
    PromptLog,
    PromptSet,
    PromptSetItem,
    SetOffer,
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
        # A prompt staff archived stays archived: loading only publishes new ones.
        prompt, _ = Prompt.objects.update_or_create(
            library_key=item["key"],
            defaults={**fields, "tags": item.get("tags", []), "author": None, "updated_at": now},
            create_defaults={
                **fields,
                "tags": item.get("tags", []),
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


@transaction.atomic
def set_follow(*, couple: Couple, prompt_set: PromptSet) -> None:
    _forget_daily(couple)
    FollowedSet.objects.get_or_create(couple=couple, prompt_set=prompt_set)
    # Start the new set today: forget today's choice unless the couple already acted on it
    # (it goes back in the pool), and any day that found nothing left to offer.
    latest = DailyPrompt.objects.filter(couple=couple).order_by("-day").first()
    if latest and not PromptLog.objects.filter(couple=couple, prompt_id=latest.prompt_id).exists():
        latest.delete()
    DailyPrompt.objects.filter(couple=couple, prompt__isnull=True).delete()


@transaction.atomic
def set_unfollow(*, couple: Couple, prompt_set: PromptSet) -> None:
    _forget_daily(couple)
    FollowedSet.objects.filter(couple=couple, prompt_set=prompt_set).delete()


@transaction.atomic
def prompt_mark(*, couple: Couple, prompt: Prompt, state: str, by: User) -> PromptLog:
    """Mark a prompt done, skipped or saved for the couple (a later mark replaces it, except
    that saving a prompt already done or skipped leaves it done or skipped)."""
    _forget_daily(couple)
    if state == PromptLog.State.SAVED:
        finished = PromptLog.objects.filter(
            couple=couple, prompt=prompt, state__in=[PromptLog.State.DONE, PromptLog.State.SKIPPED]
        ).first()
        if finished is not None:
            return finished
    log, _ = PromptLog.objects.update_or_create(
        couple=couple, prompt=prompt, defaults={"state": state, "by": by, "at": timezone.now()}
    )
    return log


def prompt_unsave(*, couple: Couple, prompt: Prompt) -> None:
    _forget_daily(couple)
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
    # The one thing the dashboard caches: shared by both partners, the same all day, and
    # forgotten whenever the couple acts on a prompt or changes what it follows.
    cached = cache.get(_cache_key(couple))
    if cached is not None and cached.day == day:
        return cached if cached.prompt_id else None
    chosen = _daily(couple=couple, day=day).first()
    if chosen is None:
        chosen = _choose(
            couple=couple, day=day, prompt=_next_prompt(couple=couple, max_depth=max_depth())
        )
    cache.set(_cache_key(couple), chosen, timeout=DAILY_CACHE_SECONDS)
    return chosen if chosen.prompt_id else None


DAILY_CACHE_SECONDS = 60 * 60 * 30


def _cache_key(couple: Couple) -> str:
    return f"daily-prompt:{couple.pk}"


def _forget_daily(couple: Couple) -> None:
    cache.delete(_cache_key(couple))


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


def prompt_gentle(*, couple: Couple) -> Prompt | None:
    """A light prompt to offer instead of a deeper one already chosen for a stormy day: the
    next light one the couple has not met, from the same sets."""
    return _next_prompt(couple=couple, max_depth=Depth.LIGHT)


def _next_prompt(*, couple: Couple, max_depth: str) -> Prompt | None:
    # The most recently followed set first; only sets still open to the couple (a private set
    # stops with its coach's link).
    coaches = CoachLink.objects.active().filter(couple=couple).values("coach")
    followed = list(
        FollowedSet.objects.filter(couple=couple, prompt_set__status=Status.PUBLISHED)
        .exclude(Q(prompt_set__visibility="private") & ~Q(prompt_set__author__in=coaches))
        .order_by("-followed_at")
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


# The coach studio


class StudioError(Exception):
    """A studio action that cannot be done as asked; the message says why, for the coach."""


def _unique_slug(title: str) -> str:
    """The title and a short random tail: the address says nothing of who wrote the set or
    how many sets there are (unlisted sets are shared by their address alone)."""
    base = slugify(title)[:60] or "set"
    while True:
        slug = f"{base}-{get_random_string(6, 'abcdefghijkmnpqrstuvwxyz23456789')}"
        if not PromptSet.objects.filter(slug=slug).exists():
            return slug


@transaction.atomic
def prompt_save(
    *,
    author: User,
    prompt: Prompt | None,
    text: str,
    kind: str,
    layer: str,
    depth: str,
    minutes: int,
    tags: list[str],
    into: PromptSet | None = None,
) -> Prompt:
    """Create or edit one of the coach's own prompts; a new one written for a set (`into`)
    goes at the end of it."""
    new = prompt is None
    prompt = prompt or Prompt(author=author)
    prompt.text, prompt.kind, prompt.layer, prompt.depth = text, kind, layer, depth
    prompt.minutes, prompt.tags = minutes, tags
    prompt.updated_at = timezone.now()
    prompt.save()
    if new and into is not None:
        set_add_prompt(prompt_set=into, prompt=prompt)
    return prompt


@transaction.atomic
def set_create(
    *, author: User, title: str, description: str, audience: str, visibility: str
) -> PromptSet:
    return PromptSet.objects.create(
        author=author,
        title=title,
        slug=_unique_slug(title),
        description=description,
        audience=audience,
        visibility=visibility,
    )


def set_update(
    *, prompt_set: PromptSet, title: str, description: str, audience: str, visibility: str
) -> None:
    prompt_set.title = title
    prompt_set.description = description
    prompt_set.audience = audience
    prompt_set.visibility = visibility
    prompt_set.save(update_fields=["title", "description", "audience", "visibility"])


def set_move(*, prompt_set: PromptSet, prompt_id: int, up: bool) -> None:
    """Swap a prompt with its neighbour above (or below)."""
    order = list(prompt_set.items.values_list("prompt_id", flat=True))
    if prompt_id not in order:
        return
    i = order.index(prompt_id)
    j = i - 1 if up else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
        set_reorder(prompt_set=prompt_set, prompt_ids=order)


@transaction.atomic
def set_add_prompt(*, prompt_set: PromptSet, prompt: Prompt) -> None:
    # Lock the set: two quick "Add" clicks would otherwise both take the last position + 1.
    PromptSet.objects.select_for_update().filter(pk=prompt_set.pk).first()
    last = prompt_set.items.order_by("-position").values_list("position", flat=True).first() or 0
    PromptSetItem.objects.get_or_create(
        prompt_set=prompt_set, prompt=prompt, defaults={"position": last + 1}
    )


@transaction.atomic
def set_reorder(*, prompt_set: PromptSet, prompt_ids: list[int]) -> None:
    """Put the set's prompts in the given order (ids not in the set are ignored)."""
    items = {item.prompt_id: item for item in prompt_set.items.all()}
    ordered = [pid for pid in prompt_ids if pid in items] + [
        pid for pid in items if pid not in prompt_ids
    ]
    prompt_set.items.all().delete()
    PromptSetItem.objects.bulk_create(
        PromptSetItem(prompt_set=prompt_set, prompt_id=pid, position=n)
        for n, pid in enumerate(ordered, start=1)
    )


def set_remove_prompt(*, prompt_set: PromptSet, prompt_id: int) -> None:
    """Take a prompt out of the set, whatever became of it (archived by staff, say)."""
    prompt_set.items.filter(prompt_id=prompt_id).delete()


@transaction.atomic
def set_publish(*, prompt_set: PromptSet, publish: bool) -> None:
    """Publishing also publishes the coach's own draft prompts in the set."""
    if publish and not prompt_set.items.exists():
        raise StudioError("Add a prompt before publishing.")
    if publish:
        Prompt.objects.filter(sets=prompt_set, author=prompt_set.author).update(
            status=Status.PUBLISHED
        )
        prompt_set.status = Status.PUBLISHED
        prompt_set.last_published_at = timezone.now()
    else:
        prompt_set.status = Status.DRAFT
    prompt_set.save(update_fields=["status", "last_published_at"])


def _marked_title(*, author: User, title: str, mark: str) -> str:
    """A title for a set made from another (a copy, an import), marked so that it is not
    mistaken for the original: "Slow Sundays (copy)", then "(copy 2)" beside a first copy
    (never "(copy) (copy)"), shortened with an ellipsis to fit the title's length."""
    limit = PromptSet._meta.get_field("title").max_length or 120
    base = re.sub(rf" \({re.escape(mark)}(?: \d+)?\)$", "", title)
    taken = set(PromptSet.objects.filter(author=author).values_list("title", flat=True))
    n = 1
    while True:
        tail = f" ({mark})" if n == 1 else f" ({mark} {n})"
        room = limit - len(tail)
        candidate = (base if len(base) <= room else base[: room - 1].rstrip() + "\u2026") + tail
        if candidate not in taken:
            return candidate
        n += 1


@transaction.atomic
def set_duplicate(*, prompt_set: PromptSet, author: User) -> PromptSet:
    copy = set_create(
        author=author,
        title=_marked_title(author=author, title=prompt_set.title, mark="copy"),
        description=prompt_set.description,
        audience=prompt_set.audience,
        visibility=prompt_set.visibility,
    )
    # The coach's own prompts are copied, so editing the draft copy never changes the
    # published original that couples follow; the shipped library's are shared.
    items = list(prompt_set.items.select_related("prompt").order_by("position"))
    for item in items:
        if item.prompt.author_id == author.pk:
            item.prompt.pk = None
            item.prompt.status = Status.DRAFT
            item.prompt.save()
            item.prompt_id = item.prompt.pk
    PromptSetItem.objects.bulk_create(
        PromptSetItem(prompt_set=copy, prompt_id=item.prompt_id, position=item.position)
        for item in items
    )
    return copy


@transaction.atomic
def set_import(*, data: SetData, author: User) -> PromptSet:
    """A new draft set, with new draft prompts, from a checked file; its title is marked
    "(imported)", as the original may be beside it."""
    prompt_set = set_create(
        author=author,
        title=_marked_title(author=author, title=data.title, mark="imported"),
        description=data.description,
        audience=data.audience,
        visibility=PromptSet.Visibility.PRIVATE,
    )
    now = timezone.now()
    prompts = Prompt.objects.bulk_create(
        Prompt(author=author, status=Status.DRAFT, created_at=now, updated_at=now, **item)
        for item in data.prompts
    )
    PromptSetItem.objects.bulk_create(
        PromptSetItem(prompt_set=prompt_set, prompt=p, position=n)
        for n, p in enumerate(prompts, start=1)
    )
    return prompt_set


def set_offer(*, prompt_set: PromptSet, couple: Couple, coach: User) -> SetOffer:
    if prompt_set.status != Status.PUBLISHED:
        raise StudioError("Publish the set before offering it.")
    offer, _ = SetOffer.objects.get_or_create(
        couple=couple,
        prompt_set=prompt_set,
        status=SetOffer.Status.OFFERED,
        defaults={"coach": coach},
    )
    return offer


@transaction.atomic
def set_offer_answer(*, offer: SetOffer, accept: bool) -> None:
    offer.status = SetOffer.Status.ACCEPTED if accept else SetOffer.Status.DECLINED
    offer.save(update_fields=["status"])
    if accept:
        set_follow(couple=offer.couple, prompt_set=offer.prompt_set)
