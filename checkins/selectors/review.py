"""The weekly review page: both answers (after the reveal), the agenda, the focus's days."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from checkins.models import ParkedTopic, Reaction, Review, ReviewAnswer, Rhythm, RhythmMove
from checkins.services import answer_readable
from intimacy.accounts.models import User
from prompts.models import Layer


@dataclass
class ReviewPage:
    review: Review
    starts_at: dt.datetime
    moved: bool
    mine: ReviewAnswer | None
    # The partner's answers only once both have shared theirs; before that, nothing.
    theirs: ReviewAnswer | None
    partner_submitted: bool
    topics: list[ParkedTopic]
    reactions: list[Reaction]
    # This week's (or a future week's) review, rather than a past one.
    is_current: bool
    # The days, on the viewer's calendar, that the focus picked at this review is on.
    focus_from: dt.date | None = None
    focus_until: dt.date | None = None

    def answer_rows(self, labels: dict[str, str]) -> list[tuple[str, str, str]]:
        """Each question with both answers side by side (only ever after the reveal)."""
        return [
            (label, answer_text(self.mine, name), answer_text(self.theirs, name))
            for name, label in labels.items()
        ]

    def rating_rows(self) -> list[tuple[str, tuple[int | None, ...], tuple[int | None, ...]]]:
        """Per layer: (felt, wished, gap) for me and for my partner."""
        return [
            (label, rating_values(self.mine, layer), rating_values(self.theirs, layer))
            for layer, label in Layer.choices
        ]


def answer_text(answer: ReviewAnswer | None, name: str) -> str:
    if answer is None:
        return ""
    text = getattr(answer, name)
    if name in answer.more_time:
        return f"{text}\n(Needs more time)" if text else "Needs more time"
    return text


def rating_values(answer: ReviewAnswer | None, layer: str) -> tuple[int | str | None, ...]:
    if answer is None:
        return (None, None, None)
    felt, wished = getattr(answer, f"felt_{layer}"), getattr(answer, f"wished_{layer}")
    return (felt, wished, ReviewAnswer.gap_text(answer.gap(layer)))


AGENDA_MAX = 100


def _agenda(*, review: Review, rhythm: Rhythm) -> Q:
    """This week: open topics and those talked about this week. A past week: its own topics."""
    week_begins = dt.datetime.combine(review.week_start, dt.time(), tzinfo=rhythm.zone)
    week_ends = week_begins + dt.timedelta(weeks=1)
    if review.week_start >= rhythm.week_start():
        return Q(talked_at__isnull=True) | Q(talked_at__gte=week_begins)
    return Q(created_at__gte=week_begins, created_at__lt=week_ends)


def review_page(*, review: Review, rhythm: Rhythm, viewer: User) -> ReviewPage:
    """Everything the review page shows, in four queries whatever the couple's history.

    The review is of the viewer's current couple (an ended couple's is read in its archive).
    """
    move = RhythmMove.objects.filter(
        couple_id=review.couple_id, week_start=review.week_start
    ).first()
    answers = list(review.answers.select_related("author"))
    mine = next((a for a in answers if a.author_id == viewer.pk), None)
    theirs = next((a for a in answers if a.author_id != viewer.pk), None)
    week = (review.week_start, review.week_start + dt.timedelta(days=6))
    return ReviewPage(
        review=review,
        starts_at=move.starts_at if move else rhythm.regular_start(review.week_start),
        moved=move is not None,
        mine=mine,
        theirs=theirs
        if theirs
        and answer_readable(viewer=viewer, answer=theirs, review=review, current=review.couple)
        else None,
        partner_submitted=theirs is not None and theirs.submitted_at is not None,
        topics=list(
            ParkedTopic.objects.filter(couple_id=review.couple_id)
            .filter(_agenda(review=review, rhythm=rhythm))
            .select_related("author")
            .order_by("created_at")[:AGENDA_MAX]
        ),
        reactions=list(
            Reaction.objects.filter(
                checkin__couple_id=review.couple_id, checkin__local_date__range=week
            )
            .select_related("author", "checkin")
            .order_by("created_at")[:AGENDA_MAX]
        ),
        is_current=review.week_start >= rhythm.week_start(),
        focus_from=(
            timezone.localdate(review.focus_chosen_at, viewer.zone)
            if review.focus_chosen_at
            else None
        ),
        focus_until=review.focus_ends_on(viewer.zone),
    )
