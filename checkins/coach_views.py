"""What a coach sees: the couples that invited them, and only what each chose to share."""

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from intimacy.accounts.access import get_coaching_or_404, require_coach
from intimacy.accounts.models import CoachLink
from intimacy.accounts.selectors import coach_ever_linked
from intimacy.accounts.services import coach_access_record

from .selectors.coach import coach_summary


@login_required
def coach_home(request: HttpRequest) -> HttpResponse:
    require_coach(request)
    links = CoachLink.objects.of_coach(request.user).prefetch_related("couple__memberships__user")
    couples = [(link, link.couple.names()) for link in links]
    # No couple now: "yet" only if none ever linked (not after a link or a couple ended).
    before = not couples and coach_ever_linked(coach=request.user)
    return render(request, "checkins/coach_home.html", {"couples": couples, "before": before})


@login_required
def coach_couple(request: HttpRequest, couple_id: int) -> HttpResponse:
    link = get_coaching_or_404(request, couple_id)
    prefetch_related_objects([link.couple], "memberships__user")
    shared = [
        name
        for name, on in (
            ("engagement counts", link.share_engagement),
            ("review summaries", link.share_reviews),
        )
        if on
    ]
    coach_access_record(link=link, what=", ".join(shared) or "the couple's page (nothing shared)")
    summary = coach_summary(
        couple=link.couple, share_engagement=link.share_engagement, share_reviews=link.share_reviews
    )
    ctx = {"link": link, "names": link.couple.names(), "summary": summary}
    return render(request, "checkins/coach_couple.html", ctx)
