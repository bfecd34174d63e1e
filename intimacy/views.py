"""The pages that gather every app: the visitors' home and the partner's dashboard."""

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.debug import sensitive_post_parameters

from checkins.archive import former_couples
from checkins.models import Reaction
from checkins.selectors.dashboard import dashboard_state
from checkins.selectors.prompt_pace import couple_today, prompt_depth
from checkins.views import empty_form_fields
from intimacy import export_page
from intimacy.accounts.access import take_remembered_invite
from intimacy.accounts.forms import DeleteAccountForm, JoinCodeForm
from intimacy.accounts.models import Couple
from intimacy.accounts.selectors import couple_news, landing_url
from intimacy.lib.decorators import password_recently
from intimacy.nudges.selectors import unread
from intimacy.privacy import account_delete as delete_account
from intimacy.privacy import data_export
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


@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    """Your data: download it, read what you kept of a couple that ended, or delete your account."""
    return render(request, "privacy/privacy.html", {"former": former_couples(user=request.user)})


@login_required
@password_recently
def export_json(request: HttpRequest) -> HttpResponse:
    data = data_export(user=request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    day = timezone.localdate(timezone.now(), request.user.zone)
    response["Content-Disposition"] = f'attachment; filename="intimacy-export-{day}.json"'
    return response


@login_required
@password_recently
def export_html(request: HttpRequest) -> HttpResponse:
    """A file to keep: the export in the app's words and the app's own stylesheet, with
    nothing to load (intimacy/export_page.py says how its one <style> satisfies the CSP)."""
    css, style_source = export_page.stylesheet()
    ctx = {
        "page": export_page.export_page(data_export(user=request.user)),
        "css": mark_safe(css),  # noqa: S308 - our own stylesheet, checked to hold no "</"
        "meta_policy": export_page.meta_policy(style_source),
    }
    response = render(request, "privacy/export.html", ctx)
    # This response's policy is the file's own: stricter than the app's, and it allows the
    # one stylesheet by its hash (never 'unsafe-inline').
    response._csp_config = export_page.policy(style_source)  # type: ignore[attr-defined]
    day = timezone.localdate(timezone.now(), request.user.zone)
    response["Content-Disposition"] = f'attachment; filename="intimacy-export-{day}.html"'
    return response


@sensitive_post_parameters("password")
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        delete_account(user=request.user)
        logout(request)
        return render(request, "privacy/deleted.html")
    return render(request, "privacy/delete.html", {"form": form})


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
