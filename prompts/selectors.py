"""Reads of the prompt library."""

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When

from intimacy.accounts.models import CoachLink, Couple, User

from .models import (
    DEPTH_ORDER,
    FollowedSet,
    Prompt,
    PromptLog,
    PromptSet,
    PromptSetItem,
    SetOffer,
    Status,
)

PAGE_SIZE = 20


def library_page(*, filters: dict[str, object], page: int) -> Page:
    """Published prompts matching the filters, a page at a time: two queries at most."""
    prompts = Prompt.objects.in_library()
    for name in ("layer", "kind", "depth"):
        if name in filters:
            prompts = prompts.filter(**{name: filters[name]})
    if "minutes" in filters:
        prompts = prompts.filter(minutes__lte=filters["minutes"])
    if "number" in filters:
        prompts = prompts.filter(pk=filters["number"])
    if "q" in filters:
        prompts = prompts.search(str(filters["q"]))
    # Gentlest first: light, then medium, then deep.
    rank = Case(*(When(depth=d, then=Value(n)) for d, n in DEPTH_ORDER.items()))
    paginator = Paginator(prompts.order_by(rank, "layer", "id"), PAGE_SIZE)
    return paginator.get_page(page)


def library_sets(*, couple: Couple | None) -> list[PromptSet]:
    """The public sets, with their sizes, marking those the couple follows: one query."""
    sets = PromptSet.objects.in_library().annotate(size=Count("items"))
    if couple is not None:
        followed = FollowedSet.objects.filter(couple=couple, prompt_set=OuterRef("pk"))
        sets = sets.annotate(followed=Exists(followed))
    return list(sets.order_by("-is_default", "title"))


def visible_set(*, slug: str, user: User) -> PromptSet | None:
    """A set the user may open: published public or unlisted ones, a coach's private ones
    for the couples that coach works with now, and the user's own."""
    return visible_sets(user=user).filter(slug=slug).first()


def visible_sets(*, user: User) -> QuerySet[PromptSet]:
    """Every set the user may open (see visible_set)."""
    my_coaches = (
        CoachLink.objects.active().filter(couple__in=Couple.objects.for_user(user)).values("coach")
    )
    return PromptSet.objects.filter(
        Q(status=Status.PUBLISHED, visibility__in=["public", "unlisted"])
        | Q(status=Status.PUBLISHED, visibility="private", author__in=my_coaches)
        | Q(author=user)
    )


def visible_prompt(*, prompt_id: int, user: User) -> Prompt | None:
    """A prompt the user may read by its number: in the library, in a set they may open
    (an unlisted set only once their couple follows it: numbers can be guessed, an unlisted
    set's address cannot), or their own."""
    followed = FollowedSet.objects.filter(couple__in=Couple.objects.for_user(user))
    known_sets = visible_sets(user=user).exclude(
        Q(visibility="unlisted") & ~Q(author=user) & ~Q(pk__in=followed.values("prompt_set"))
    )
    in_a_set = PromptSetItem.objects.filter(prompt=OuterRef("pk"), prompt_set__in=known_sets)
    return (
        Prompt.objects.filter(pk=prompt_id)
        .filter(
            Q(pk__in=Prompt.objects.in_library().values("pk"))
            | Q(Exists(in_a_set), status=Status.PUBLISHED)
            | Q(author=user)
        )
        .first()
    )


def followed_sets(*, couple: Couple, user: User) -> list[PromptSet]:
    """The couple's sets, newest first; `available` is False for one the couple may no longer
    open (a coach's private set after the coach left): it offers nothing until unfollowed."""
    still_open = visible_sets(user=user).filter(pk=OuterRef("pk"))
    return list(
        PromptSet.objects.filter(followers__couple=couple)
        .annotate(available=Exists(still_open))
        .order_by("-followers__followed_at")
    )


def followed_set(*, couple: Couple, slug: str) -> PromptSet | None:
    """A set the couple follows, whether or not they may still open it (to stop following)."""
    return PromptSet.objects.filter(followers__couple=couple, slug=slug).first()


def is_following(*, couple: Couple | None, prompt_set: PromptSet) -> bool:
    return couple is not None and prompt_set.followers.filter(couple=couple).exists()


def open_offers(*, couple: Couple) -> list[SetOffer]:
    """Offers still open, from coaches the couple still works with."""
    coaches = CoachLink.objects.active().filter(couple=couple).values("coach")
    return list(
        SetOffer.objects.filter(couple=couple, status=SetOffer.Status.OFFERED, coach__in=coaches)
        .select_related("prompt_set", "coach")
        .order_by("-created_at")
    )


def saved_prompts(*, couple: Couple) -> list[PromptLog]:
    return list(
        PromptLog.objects.filter(couple=couple, state=PromptLog.State.SAVED)
        .select_related("prompt")
        .order_by("-at")[:200]
    )
