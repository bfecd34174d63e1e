"""A couple that has ended, as each former partner keeps it: their own entries, read-only."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from intimacy.accounts.access import get_former_couple_or_404
from intimacy.accounts.models import Couple
from intimacy.accounts.services import current_couple
from intimacy.lib.charts import line_chart

from .access import get_review_or_404
from .archive import archive, archived_review, former_couples
from .forms import QUESTION_LABELS
from .review_views import GAP_LABELS


@login_required
@require_safe
def archive_home(request: HttpRequest) -> HttpResponse:
    """Every couple the viewer was in that has ended."""
    return render(request, "checkins/archive.html", {"former": former_couples(user=request.user)})


@login_required
@require_safe
def archive_couple(request: HttpRequest, couple_id: int) -> HttpResponse:
    couple = get_former_couple_or_404(request, couple_id)
    data = archive(viewer=request.user, couple=couple, current=current_couple(user=request.user))
    charts = [
        (label, line_chart([("You", points)], y_min=-4, y_max=4, y_labels=GAP_LABELS, height=200))
        for label, points in data.gaps
    ]
    ctx = {"archive": data, "charts": charts}
    return render(request, "checkins/archive_couple.html", ctx)


@login_required
@require_safe
def archive_review(request: HttpRequest, review_id: int) -> HttpResponse:
    """One week of an ended couple: my own answers only, whatever both were shown then."""
    review = get_review_or_404(request, review_id, archived=True)
    if review.couple.status != Couple.Status.ENDED:  # still the current couple's
        return redirect("checkins:review", review_id=review.pk)
    page = archived_review(
        viewer=request.user, review=review, current=current_couple(user=request.user)
    )
    ctx = {
        "page": page,
        "answer_rows": page.answer_rows(QUESTION_LABELS),
        "rating_rows": page.rating_rows(),
    }
    return render(request, "checkins/archive_review.html", ctx)
