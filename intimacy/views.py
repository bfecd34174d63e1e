"""The pages that gather every app: the visitors' home and the partner's dashboard."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from checkins.forms import CheckInForm
from checkins.models import Reaction
from checkins.selectors import today_card
from intimacy.accounts.forms import JoinCodeForm
from intimacy.accounts.models import Couple
from intimacy.accounts.services import couple_overview
from intimacy.accounts.views import PENDING_INVITE_KEY


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "home.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    overview = couple_overview(user=request.user)
    couple = overview["couple"]
    token = request.session.get(PENDING_INVITE_KEY)
    if token and (couple is None or couple.status == Couple.Status.PENDING):
        # Came through a partner's invite link before signing up: finish joining first.
        return redirect("accounts:join", token=token)
    today = today_card(user=request.user, couple=couple, partner=overview["partner"])
    ctx = {
        **overview,
        "code_form": JoinCodeForm(),
        "today": today,
        "checkin_form": CheckInForm(),
        "reaction_kinds": Reaction.Kind.choices,
    }
    return render(request, "dashboard.html", ctx)


def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and the compose health check: the database and cache answer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    cache.get("healthz")
    return HttpResponse("ok", content_type="text/plain")
