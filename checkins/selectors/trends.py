"""The trends page: the intimacy gap per layer over the weeks, and the past reviews."""

import datetime as dt
from dataclasses import dataclass

from checkins.models import Review, ReviewAnswer, Rhythm
from intimacy.accounts.models import Couple, User
from prompts.models import Layer


@dataclass
class GapTrend:
    weeks: list[dt.date]
    charts: list[tuple[str, list[tuple[str, list[tuple[dt.date, int | None]]]]]]
    rows: list[dict[str, object]]


def gap_trend(
    *, couple: Couple, rhythm: Rhythm, viewer: User, partner: User | None, weeks: int
) -> GapTrend:
    """The intimacy gap (wished minus felt) per layer and partner, revealed weeks: one query."""
    this_monday = rhythm.week_start()
    mondays = [this_monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    answers = ReviewAnswer.objects.filter(
        review__couple=couple,
        review__revealed_at__isnull=False,
        review__week_start__gte=mondays[0],
    ).select_related("review")
    by_person: dict[int, dict[dt.date, ReviewAnswer]] = {}
    for answer in answers:
        by_person.setdefault(answer.author_id, {})[answer.review.week_start] = answer
    people = [("You", viewer)] + ([(partner.display_name, partner)] if partner else [])
    charts = []
    for layer, label in Layer.choices:
        series = []
        for name, person in people:
            mine = by_person.get(person.pk, {})
            series.append((name, [(m, mine[m].gap(layer) if m in mine else None) for m in mondays]))
        charts.append((label, series))
    rows = []
    for monday in reversed(mondays):
        cells = [by_person.get(person.pk, {}).get(monday) for _, person in people]
        if any(cells):
            rows.append(
                {
                    "week": monday,
                    "gaps": [
                        [
                            ReviewAnswer.gap_text(cell.gap(layer) if cell else None)
                            for layer in Layer.values
                        ]
                        for cell in cells
                    ],
                }
            )
    return GapTrend(weeks=mondays, charts=charts, rows=rows)


def past_reviews(*, couple: Couple) -> list[Review]:
    return list(couple.reviews.filter(revealed_at__isnull=False).order_by("-week_start")[:200])
