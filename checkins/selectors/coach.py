"""What a coach may see of a couple: counts and numbers, never words the couple wrote."""

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count

from checkins.models import CheckIn, ReviewAnswer
from intimacy.accounts.models import Couple
from intimacy.lib.numbers import rounded
from prompts.models import Layer, PromptLog


@dataclass
class CoachSummary:
    engagement: list[tuple[str, int]] | None  # (partner, check-ins in the last 30 days)
    prompts_done: int | None
    reviews: list[tuple[dt.date, str, list[str]]] | None  # (week, focus, gap per layer)


def coach_summary(*, couple: Couple, share_engagement: bool, share_reviews: bool) -> CoachSummary:
    summary = CoachSummary(engagement=None, prompts_done=None, reviews=None)
    if share_engagement:
        members = list(couple.memberships.filter(is_active=True).select_related("user"))
        # Check-in dates are each partner's own; count back from the later of their todays.
        since = max(m.user.local_today() for m in members) - dt.timedelta(days=30)
        counts = dict(
            CheckIn.objects.filter(couple=couple, local_date__gte=since)
            .values("author")
            .annotate(n=Count("id"))
            .values_list("author", "n")
        )
        summary.engagement = [(m.user.display_name, counts.get(m.user_id, 0)) for m in members]
        summary.prompts_done = PromptLog.objects.filter(
            couple=couple, state=PromptLog.State.DONE
        ).count()
    if share_reviews:
        reviews = (
            couple.reviews.filter(revealed_at__isnull=False)
            .prefetch_related("answers")
            .order_by("-week_start")[:12]
        )
        summary.reviews = []
        for review in reviews:
            answers = list(review.answers.all())
            gaps = []
            for layer in Layer.values:
                values = [g for a in answers if (g := a.gap(layer)) is not None]
                mean = rounded(Fraction(sum(values), len(values))) if values else None
                gaps.append(ReviewAnswer.gap_text(mean))
            summary.reviews.append((review.week_start, review.get_focus_habit_display(), gaps))
    return summary
