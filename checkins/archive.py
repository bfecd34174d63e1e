"""Reads for a couple that has ended: each former partner's own entries, nothing of the other's.

Every read goes through the rule in services (may_read, readable, readable_answers) with the
viewer's current couple, never the ended one: so what the other partner wrote is left out by the
same rule that shows it while a couple lasts.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from intimacy.accounts.models import Couple, User
from prompts.models import Layer

from .models import CheckIn, ParkedTopic, Review, ReviewAnswer
from .selectors.review import answer_text, rating_values
from .services import readable, readable_answers

# The gap chart of an archive covers at most this many weeks (its table lists every week).
CHART_WEEKS = 52


@dataclass
class FormerCouple:
    couple: Couple
    reviews: int  # weeks I answered


def former_couples(*, user: User) -> list[FormerCouple]:
    """The couples a user was in that have ended, the latest first: one query."""
    couples = (
        Couple.objects.former_for_user(user)
        .annotate(
            answered=Count(
                "reviews__answers", filter=Q(reviews__answers__author=user), distinct=True
            )
        )
        .order_by("-ended_at")
    )
    return [FormerCouple(couple=c, reviews=c.answered) for c in couples]


@dataclass
class MyReview:
    review: Review
    answer: ReviewAnswer
    # (layer, my gap that week as people read it: wished minus felt)
    gaps: list[tuple[str, str]]


@dataclass
class Archive:
    couple: Couple
    # (first day of a month, days I checked in that month), shared with this couple.
    months: list[tuple[dt.date, int]]
    checkin_days: int
    reviews: list[MyReview]
    topics: list[ParkedTopic]
    # For the charts: the weeks, and per layer my gap each week (None: not answered).
    weeks: list[dt.date] = field(default_factory=list)
    gaps: list[tuple[str, list[tuple[dt.date, int | None]]]] = field(default_factory=list)


def archive(*, viewer: User, couple: Couple, current: Couple | None) -> Archive:
    """What `viewer` keeps of `couple` (one that ended): three queries whatever its length."""
    months = list(
        CheckIn.objects.filter(readable(viewer=viewer, current=current), couple=couple)
        .annotate(month=TruncMonth("local_date"))
        .values_list("month")
        .annotate(days=Count("id"))
        .order_by("month")
    )
    answers = list(
        ReviewAnswer.objects.filter(readable_answers(viewer=viewer, current=current))
        .filter(review__couple=couple)
        .select_related("review")
        .order_by("-review__week_start")
    )
    topics = list(
        ParkedTopic.objects.filter(readable(viewer=viewer, current=current), couple=couple)
        .select_related("author")
        .order_by("created_at")
    )
    result = Archive(
        couple=couple,
        months=[(_as_date(month), days) for month, days in months],
        checkin_days=sum(days for _, days in months),
        reviews=[
            MyReview(
                review=a.review,
                answer=a,
                gaps=[
                    (label, ReviewAnswer.gap_text(a.gap(layer))) for layer, label in Layer.choices
                ],
            )
            for a in answers
        ],
        topics=topics,
    )
    shared = {a.review.week_start: a for a in answers if a.submitted_at is not None}
    if shared:
        last = max(shared)
        first = max(min(shared), last - dt.timedelta(weeks=CHART_WEEKS - 1))
        count = (last - first).days // 7 + 1
        result.weeks = [first + dt.timedelta(weeks=n) for n in range(count)]
        result.gaps = [
            (label, [(w, shared[w].gap(layer) if w in shared else None) for w in result.weeks])
            for layer, label in Layer.choices
        ]
    return result


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    """TruncMonth of a date column is a date on PostgreSQL, a datetime on some backends."""
    return value.date() if isinstance(value, dt.datetime) else value


@dataclass
class ArchivedReview:
    review: Review
    # My answers (shared, or a draft I kept); never my former partner's.
    mine: ReviewAnswer | None

    def answer_rows(self, labels: dict[str, str]) -> list[tuple[str, str]]:
        return [(label, answer_text(self.mine, name)) for name, label in labels.items()]

    def rating_rows(self) -> list[tuple[str, tuple[int | str | None, ...]]]:
        return [(label, rating_values(self.mine, layer)) for layer, label in Layer.choices]


def archived_review(*, viewer: User, review: Review, current: Couple | None) -> ArchivedReview:
    """One week of an ended couple, as the viewer keeps it: one query."""
    answers = ReviewAnswer.objects.filter(review=review).filter(
        readable_answers(viewer=viewer, current=current)
    )
    return ArchivedReview(
        review=review, mine=next((a for a in answers if a.author_id == viewer.pk), None)
    )
