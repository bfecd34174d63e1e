import datetime as dt
from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.debug import sensitive_post_parameters

from intimacy.accounts.services import current_pair, partner_name
from intimacy.lib.charts import line_chart
from intimacy.lib.decorators import login_required_post

from . import services
from .access import get_checkin_or_404
from .forms import CheckInForm, HistoryForm, ReactionForm
from .models import WEATHER_BRIGHTNESS, CheckIn, Reaction, Weather
from .selectors.checkin import current_checkin, ended_checkin_today
from .selectors.history import history as history_data

BRIGHTNESS_LABELS = {WEATHER_BRIGHTNESS[w.value]: w.label for w in Weather}


@cache
def _empty_form_fields() -> str:
    return render_to_string("checkins/_form_fields.html", {"form": CheckInForm()})


def empty_form_fields() -> SafeString:
    """The blank check-in form, the same for everyone: rendered once per process.

    Building it costs more than the rest of the dashboard; the CSRF token stays outside.
    """
    if settings.DEBUG:  # Templates may change while the development server runs.
        _empty_form_fields.cache_clear()
    return mark_safe(_empty_form_fields())  # noqa: S308 - our own template's output


def initial_for(checkin: CheckIn | None) -> dict[str, object]:
    if checkin is None:
        return {}
    fields = ["weather", "energy", "needs", "tags", "note_to_partner", "private_note"]
    return {name: getattr(checkin, name) for name in [*fields, "disclosure"]}


def back(request: HttpRequest, checkin: CheckIn) -> HttpResponse:
    """Reactions are made on the dashboard or on a check-in's page; return there."""
    if request.POST.get("next") == "detail":
        return redirect("checkins:detail", checkin_id=checkin.pk)
    return redirect("dashboard")


@sensitive_post_parameters("private_note", "note_to_partner")
@login_required
def today(request: HttpRequest) -> HttpResponse:
    """Today's check-in form on its own page: where nudges link and where errors show."""
    mine = current_checkin(user=request.user)
    if mine is None and ended_checkin_today(user=request.user):
        # Changed time zone into a day already checked in (and over where it began).
        return render(request, "checkins/today_closed.html")
    form = CheckInForm(request.POST or None, initial=initial_for(mine))
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_submit(author=request.user, **form.cleaned_data)
        except services.CheckInError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Saved. Thank you for checking in.")
            return redirect("dashboard")
    return render(request, "checkins/today.html", {"form": form, "mine": mine})


@login_required
def detail(request: HttpRequest, checkin_id: int) -> HttpResponse:
    checkin = get_checkin_or_404(request, checkin_id)
    own = checkin.author_id == request.user.pk
    couple, partner = current_pair(user=request.user)
    current = couple is not None and checkin.couple_id == couple.pk
    ctx = {
        "checkin": checkin,
        "own": own,
        "shared": None if own else services.shared_view(checkin=checkin),
        # Who saw it: my partner now, a former partner (the couple ended), or nobody.
        "shared_with": "partner" if current else "former" if checkin.couple_id else "",
        "reaction_by": partner_name(person_id=checkin.other_reaction_by, partner=partner),
        "reaction_kinds": Reaction.Kind.choices,
        "reaction_label": Reaction.Kind(checkin.other_reaction).label
        if checkin.other_reaction
        else "",
    }
    return render(request, "checkins/detail.html", ctx)


@login_required_post
def react(request: HttpRequest, checkin_id: int) -> HttpResponse:
    checkin = get_checkin_or_404(request, checkin_id)
    form = ReactionForm(request.POST)
    if form.is_valid():
        try:
            services.reaction_set(
                checkin=checkin, author=request.user, kind=form.cleaned_data["kind"]
            )
        except services.CheckInError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Choose one of the reactions.")
    return back(request, checkin)


@login_required_post
def react_undo(request: HttpRequest, checkin_id: int) -> HttpResponse:
    checkin = get_checkin_or_404(request, checkin_id)
    services.reaction_undo(checkin=checkin, author=request.user)
    return back(request, checkin)


@login_required
def history(request: HttpRequest) -> HttpResponse:
    today = request.user.local_today()
    month, range_days = HistoryForm.read(request.GET, today=today)
    couple, partner = current_pair(user=request.user)
    data = history_data(
        user=request.user, couple=couple, partner=partner, month=month, range_days=range_days
    )
    ctx = {
        "history": data,
        "partner": partner,
        "weather_chart": line_chart(
            [(s.label, s.points) for s in data.weather],
            y_min=1,
            y_max=7,
            y_labels=BRIGHTNESS_LABELS,
            height=240,
        ),
        "energy_chart": line_chart(
            [(s.label, s.points) for s in data.energy],
            y_min=1,
            y_max=5,
            y_labels={},
            height=170,
            room_for=BRIGHTNESS_LABELS.values(),  # Under the weather chart: the same days align.
        ),
        "previous_month": (month - dt.timedelta(days=1)).replace(day=1),
        "next_month": (month + dt.timedelta(days=32)).replace(day=1),
        "this_month": today.replace(day=1),
    }
    return render(request, "checkins/history.html", ctx)
