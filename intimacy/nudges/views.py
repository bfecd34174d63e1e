from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import schedule, selectors, services
from .catalogue import CATALOGUE
from .forms import PreferencesForm
from .models import Nudge, user_for_unsubscribe


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    prefs, rules = selectors.page_rules(user=user)
    if prefs is None or len(rules) < len(CATALOGUE):  # the first visit: make what is missing
        schedule.nudges_set_up(user=user)
        prefs, rules = selectors.page_rules(user=user)
    form = PreferencesForm.for_settings(prefs, rules, user.local_today(), request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.preferences_save(
            user=user,
            **{k: data[k] for k in ("by_email", "in_app", "quiet_start", "quiet_end")},
            daily_cap=data["daily_cap"],
            paused_until=data["paused_until"],
            rules=form.rule_choices(rules),
        )
        messages.success(request, "Your nudges are saved.")
        return redirect("nudges:preferences")
    statuses = selectors.rule_statuses(user=user, prefs=prefs, rules=rules)
    held = selectors.last_held(statuses, now=timezone.now())
    by_habit = {status.rule.habit: status for status in statuses}
    ctx = {
        "form": form,
        "rows": [(on, at, stop, by_habit.get(key)) for key, on, at, stop in form.habit_rows()],
        "back_off_text": selectors.BACK_OFF_TEXT,
        "prefs": prefs,
        "today": user.local_today(),
        "held": held,
        "held_hint": selectors.HELD_HINTS.get(held.held) if held else None,
    }
    return render(request, "nudges/preferences.html", ctx)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    nudges = selectors.inbox(user=request.user)
    # Reading the inbox reads what is in it.
    services.inbox_read(user=request.user)
    return render(request, "nudges/inbox.html", {"nudges": nudges})


def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a nudge email: counts as opened (no login needed), then the right page."""
    nudge = Nudge.from_open_token(token)
    if nudge is None:
        raise Http404("No such nudge.")
    services.nudge_open(nudge=nudge)
    return redirect(CATALOGUE[nudge.habit].opens)


@csrf_exempt  # RFC 8058: mail providers POST "List-Unsubscribe=One-Click" with no cookie.
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user = user_for_unsubscribe(token)
    if user is None:
        raise Http404("No such link.")
    if request.method == "POST":
        services.email_unsubscribe(user=user)
        return render(request, "nudges/unsubscribed.html", {"name": user.display_name})
    return render(request, "nudges/unsubscribe.html", {"name": user.display_name})
