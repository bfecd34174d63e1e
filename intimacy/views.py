"""The pages that gather every app: the visitors' home and the partner's dashboard."""

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render

from checkins.models import Reaction
from checkins.selectors.dashboard import dashboard_state
from checkins.selectors.prompt_pace import couple_today, prompt_depth
from checkins.views import empty_form_fields
from intimacy.accounts.access import take_remembered_invite
from intimacy.accounts.forms import JoinCodeForm
from intimacy.accounts.models import Couple
from intimacy.accounts.selectors import couple_news, landing_url
from intimacy.nudges.selectors import unread
from prompts.models import Depth
from prompts.services import daily_prompt, prompt_gentle


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(landing_url(user=request.user))
    return render(request, "home.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    state = dashboard_state(user=request.user)
    token = take_remembered_invite(request)
    if token and (state.couple is None or state.couple.status == Couple.Status.PENDING):
        # Came through a partner's invite link before signing up: offer to join, once.
        return redirect("accounts:join", token=token)
    daily = gentle = None
    if state.couple is not None:
        daily = daily_prompt(
            couple=state.couple,
            day=couple_today(state=state),
            max_depth=lambda: prompt_depth(state=state),
        )
        if state.today.storm_seen and daily and daily.prompt.depth != Depth.LIGHT:
            # Don't poke the storm: a deeper prompt chosen earlier gives way to a light one.
            gentle = prompt_gentle(couple=state.couple)
    ctx = {
        "daily": daily,
        "gentle": gentle,
        "news": couple_news(user=request.user, couple=state.couple),
        "couple": state.couple,
        "partner": state.partner,
        "today": state.today,
        # Forms only where they show: building one costs more than the page's query.
        "code_form": JoinCodeForm() if state.couple is None else None,
        "checkin_fields": empty_form_fields() if state.today.mine is None else None,
        "reaction_kinds": Reaction.Kind.choices,
        "next_review": (
            state.rhythm.next_start(state.moves, done=state.done_weeks) if state.rhythm else None
        ),
        "open_offers": state.open_offers,
        "coaches": state.coaches,
        # No query unless the count on the user's row says there is something new.
        "unread_nudges": unread(user=request.user),
    }
    return render(request, "dashboard.html", ctx)


def quick_exit(request: HttpRequest) -> HttpResponse:
    """Leave now: log out (so Back shows nothing private) and go somewhere ordinary.

    A plain link (GET), unlike the logout button: it must work in one tap, without
    JavaScript, from any page; the worst another site can do with it is log someone out."""
    logout(request)
    return HttpResponseRedirect(settings.QUICK_EXIT_URL)


def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and the compose health check: the database and cache answer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    cache.get("healthz")
    return HttpResponse("ok", content_type="text/plain")


def livez(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing (the benchmarks' "bare" floor too)."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def layout_only(request: HttpRequest) -> HttpResponse:
    """The base layout with the user's name: what every page pays (benchmarks only)."""
    return render(request, "layout_only.html")
