"""The coach's pages (the `coach:` URLs, under /coach/): the couples that invited them, only
what each chose to share, and joining a couple by its link or its code."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from intimacy.accounts import services as accounts
from intimacy.accounts.access import get_coaching_or_404, require_coach
from intimacy.accounts.forms import JoinCodeForm
from intimacy.accounts.models import CoachLink, Couple
from intimacy.accounts.selectors import coach_ever_linked
from intimacy.accounts.services import coach_access_record
from intimacy.lib.decorators import login_required_post
from intimacy.lib.ratelimit import allow

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


@login_required_post
def coach_join_code(request: HttpRequest) -> HttpResponse:
    """A coach types a couple's code; it leads to the same page as the link."""
    form = JoinCodeForm(request.POST)
    if not allow(request, action="coach_join_code"):
        messages.error(request, "Too many codes tried. Wait ten minutes, then try again.")
        return redirect("coach:home")
    code = form.cleaned_data["code"] if form.is_valid() else None
    link = CoachLink.objects.filter(code=code).first() if code else None
    if link is None:
        messages.error(
            request, "We couldn't find an invitation with that code. Check it and retry."
        )
        return redirect("coach:home")
    return redirect("coach:join", token=link.token)


@login_required
def coach_join(request: HttpRequest, token: str) -> HttpResponse:
    """A coach opens a couple's invitation and accepts it."""
    link = CoachLink.objects.select_related("couple").filter(token=token).first()
    if (
        link is None
        or link.status != CoachLink.Status.INVITED
        or link.invitation_expired()
        # An invitation a couple sent before it ended (older releases left them open).
        or link.couple.status == Couple.Status.ENDED
    ):
        return render(request, "checkins/coach_invalid.html", status=404)
    if request.method == "POST":
        try:
            accounts.coach_link_accept(link=link, coach=request.user)
        except accounts.CoupleError as exc:
            return render(request, "checkins/coach_invalid.html", {"message": str(exc)}, status=410)
        messages.success(request, "You are now linked with this couple.")
        return redirect("coach:home")
    names = Couple.objects.prefetch_related("memberships__user").get(pk=link.couple_id).names()
    return render(request, "checkins/coach_join.html", {"link": link, "names": names})
