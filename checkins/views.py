import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from intimacy.accounts.services import current_couple, current_pair
from intimacy.lib.charts import line_chart
from intimacy.lib.decorators import login_required_post

from . import selectors, services
from .access import get_checkin_or_404
from .forms import CheckInForm, HistoryForm, ReactionForm
from .models import WEATHER_BRIGHTNESS, CheckIn, Need, Reaction, Tag, Weather

EARLIEST_MONTH = dt.date(2000, 1, 1)
BRIGHTNESS_LABELS = {WEATHER_BRIGHTNESS[w.value]: w.label for w in Weather}


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
    couple = current_couple(user=request.user)
    mine = CheckIn.objects.filter(
        author=request.user, local_date=request.user.local_today()
    ).first()
    form = CheckInForm(request.POST or None, initial=initial_for(mine))
    if request.method == "POST" and form.is_valid():
        services.checkin_submit(author=request.user, couple=couple, **form.cleaned_data)
        messages.success(request, "Saved. Thank you for checking in.")
        return redirect("dashboard")
    return render(request, "checkins/today.html", {"form": form, "mine": mine})


@login_required
def detail(request: HttpRequest, checkin_id: int) -> HttpResponse:
    checkin = get_checkin_or_404(request, checkin_id)
    own = checkin.author_id == request.user.pk
    ctx = {
        "checkin": checkin,
        "own": own,
        "shared": None if own else services.shared_view(checkin),
        "reaction_kinds": Reaction.Kind.choices,
        "reaction_label": Reaction.Kind(checkin.other_reaction).label
        if checkin.other_reaction
        else "",
        "needs_labels": [Need(n).label for n in checkin.needs if n in Need.values],
        "tags_labels": [Tag(t).label for t in checkin.tags if t in Tag.values],
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
    form = HistoryForm(request.GET)
    today = request.user.local_today()
    month = today.replace(day=1)
    range_days = 30
    if form.is_valid():
        # Months before the app existed or in the future show this month instead.
        asked = form.cleaned_data["month"] or month
        if EARLIEST_MONTH <= asked <= today:
            month = asked.replace(day=1)
        range_days = form.cleaned_data["range"] or 30
    couple, partner = current_pair(user=request.user)
    data = selectors.history(
        user=request.user, couple=couple, partner=partner, month=month, range_days=range_days
    )
    series = {
        "weather": [(s.label, s.points) for s in data.weather],
        "energy": [(s.label, s.points) for s in data.energy],
    }
    ctx = {
        "history": data,
        "partner": partner,
        "weather_chart": line_chart(
            series["weather"], y_min=1, y_max=7, y_labels=BRIGHTNESS_LABELS, height=240
        ),
        "energy_chart": line_chart(series["energy"], y_min=1, y_max=5, y_labels={}, height=170),
        "previous_month": (month - dt.timedelta(days=1)).replace(day=1),
        "next_month": (month + dt.timedelta(days=32)).replace(day=1),
        "this_month": today.replace(day=1),
    }
    return render(request, "checkins/history.html", ctx)
