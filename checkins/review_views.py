"""The weekly connection review: rhythm, answers, reveal, focus, agenda, trends, calendar."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from intimacy.accounts.models import Couple, User
from intimacy.accounts.services import current_pair
from intimacy.lib.charts import line_chart
from intimacy.lib.decorators import login_required_post
from prompts.models import LAYER_HINTS, Layer

from . import services
from .access import get_review_or_404, get_topic_or_404
from .archive import former_couples
from .calendar_feed import review_calendar
from .forms import QUESTION_LABELS, FocusForm, MoveForm, ReviewAnswerForm, RhythmForm, TopicForm
from .models import CalendarFeed, Habit, Rhythm
from .selectors.review import review_page
from .selectors.trends import gap_trend, past_reviews

GAP_LABELS = {n: f"{n:+d}" if n else "0" for n in range(-4, 5)}


def paired_couple(
    request: HttpRequest,
) -> tuple[Couple | None, User | None, HttpResponse | None]:
    """The viewer's couple and partner, or a page explaining that the review needs two (and
    where the reviews of a couple that ended are kept)."""
    couple, partner = current_pair(user=request.user)
    if couple is None or partner is None:
        former = former_couples(user=request.user)
        return None, None, render(request, "checkins/review_unpaired.html", {"former": former})
    return couple, partner, None


@login_required
def review_home(request: HttpRequest) -> HttpResponse:
    """This week's review, once the couple has a rhythm."""
    couple, _partner, page = paired_couple(request)
    if page:
        return page
    rhythm = Rhythm.objects.filter(couple=couple).first()
    if rhythm is None:
        return redirect("checkins:rhythm")
    review = services.review_for_week(couple=couple, week_start=rhythm.week_start())
    return redirect("checkins:review", review_id=review.pk)


@login_required
def rhythm_edit(request: HttpRequest) -> HttpResponse:
    couple, _partner, page = paired_couple(request)
    if page:
        return page
    rhythm = Rhythm.objects.filter(couple=couple).first()
    initial = {"time_zone": request.user.time_zone}
    if rhythm:
        fields = ["weekday", "local_time", "duration_minutes", "time_zone"]
        initial = {name: getattr(rhythm, name) for name in fields}
    form = RhythmForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.rhythm_set(couple=couple, **form.cleaned_data)
        messages.success(request, "Your weekly rhythm is set.")
        return redirect("checkins:review_home")
    return render(request, "checkins/rhythm.html", {"form": form, "rhythm": rhythm})


def _rhythm_first(request: HttpRequest) -> HttpResponse:
    """A review needs the couple's weekly rhythm (its day and time) to make sense."""
    messages.info(request, "Set your weekly rhythm first: the day and time you meet.")
    return redirect("checkins:rhythm")


@sensitive_post_parameters(*QUESTION_LABELS, "repair_what")
@login_required
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    # A review of a couple that has ended is read in its archive, and never changes.
    review = get_review_or_404(request, review_id, archived=request.method == "GET")
    if review.couple.status == Couple.Status.ENDED:
        return redirect("checkins:archive_review", review_id=review.pk)
    rhythm = Rhythm.objects.filter(couple_id=review.couple_id).first()
    if rhythm is None:
        return _rhythm_first(request)
    page = review_page(review=review, rhythm=rhythm, viewer=request.user)
    submitting = request.POST.get("action") == "submit"
    form = ReviewAnswerForm(
        request.POST or None,
        initial=ReviewAnswerForm.initial_from(page.mine),
        submitting=submitting,
    )
    if request.method == "POST" and page.mine and page.mine.submitted_at:
        messages.info(request, "Your answers for this week are already shared.")
        return redirect("checkins:review", review_id=review.pk)
    if request.method == "POST":
        valid = form.is_valid()
        try:
            # Whatever is valid is kept as a draft, even when a submission needs more.
            services.answer_save(
                review=review,
                author=request.user,
                fields=form.service_fields(),
                submit=valid and submitting,
            )
        except services.ReviewError as exc:  # Shared already, in another tab.
            messages.info(request, str(exc))
            return redirect("checkins:review", review_id=review.pk)
        if valid:
            messages.success(
                request, "Shared. Thank you." if submitting else "Draft saved. Only you can see it."
            )
            return redirect("checkins:review", review_id=review.pk)
        messages.error(request, "Not shared yet: a few answers are missing. The rest is saved.")
    ctx = {
        "page": page,
        "form": form,
        "focus_form": FocusForm(initial={"habit": review.focus_habit}),
        "topic_form": TopicForm(),
        "answer_rows": page.answer_rows(QUESTION_LABELS),
        "layer_hints": [(Layer(layer).label, hint) for layer, hint in LAYER_HINTS.items()],
    }
    return render(request, "checkins/review.html", ctx)


@login_required_post
def review_focus(request: HttpRequest, review_id: int) -> HttpResponse:
    review = get_review_or_404(request, review_id)
    form = FocusForm(request.POST)
    if form.is_valid():
        try:
            services.review_choose_focus(review=review, habit=form.cleaned_data["habit"])
            habit = Habit(form.cleaned_data["habit"]).label
            messages.success(request, f"Next week's focus: {habit}.")
        except services.ReviewError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Choose one of the habits.")
    return redirect("checkins:review", review_id=review.pk)


@login_required
def review_move(request: HttpRequest, review_id: int) -> HttpResponse:
    review = get_review_or_404(request, review_id)
    rhythm = Rhythm.objects.filter(couple_id=review.couple_id).first()
    if rhythm is None:
        return _rhythm_first(request)
    page = review_page(review=review, rhythm=rhythm, viewer=request.user)
    if not page.is_current or review.revealed_at:
        messages.info(request, "Only this week's review can move, before you both share.")
        return redirect("checkins:review", review_id=review.pk)
    initial = {"starts_at": timezone.localtime(page.starts_at).replace(tzinfo=None)}
    form = MoveForm(request.POST or None, week_start=review.week_start, initial=initial)
    if request.method == "POST" and "reset" in request.POST:
        services.review_move(couple=review.couple, week_start=review.week_start, starts_at=None)
        messages.success(request, "This week's review is back at its usual time.")
        return redirect("checkins:review", review_id=review.pk)
    if request.method == "POST" and form.is_valid():
        services.review_move(
            couple=review.couple,
            week_start=review.week_start,
            starts_at=form.cleaned_data["starts_at"],
        )
        messages.success(request, "Moved for this week only. The rhythm stays as it was.")
        return redirect("checkins:review", review_id=review.pk)
    return render(request, "checkins/review_move.html", {"form": form, "review": review})


@sensitive_post_parameters("text")
@login_required_post
def topic_park(request: HttpRequest) -> HttpResponse:
    couple, _partner, page = paired_couple(request)
    if page:
        return page
    form = TopicForm(request.POST)
    if form.is_valid():
        services.topic_park(couple=couple, author=request.user, text=form.cleaned_data["text"])
        messages.success(request, "Parked for your weekly review.")
    else:
        messages.error(request, "Write a few words (up to 280 characters) to park a topic.")
    back = "checkins:review_home" if request.POST.get("next") == "review" else "dashboard"
    return redirect(back)


@login_required_post
def topic_talked(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = get_topic_or_404(request, topic_id)
    services.topic_talked(topic=topic, talked=request.POST.get("talked") != "no")
    return redirect("checkins:review_home")


@login_required
def trends(request: HttpRequest) -> HttpResponse:
    couple, partner, page = paired_couple(request)
    if page:
        return page
    rhythm = Rhythm.objects.filter(couple=couple).first()
    if rhythm is None:
        return redirect("checkins:rhythm")
    weeks = 52 if request.GET.get("weeks") == "52" else 12
    trend = gap_trend(
        couple=couple, rhythm=rhythm, viewer=request.user, partner=partner, weeks=weeks
    )
    charts = [
        (label, line_chart(series, y_min=-4, y_max=4, y_labels=GAP_LABELS, height=200))
        for label, series in trend.charts
    ]
    ctx = {
        "trend": trend,
        "charts": charts,
        "weeks": weeks,
        "partner": partner,
        "past": past_reviews(couple=couple),
    }
    return render(request, "checkins/trends.html", ctx)


@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_feed_revoke(user=request.user)
            messages.success(request, "Calendar address switched off.")
        else:
            had_one = CalendarFeed.objects.filter(user=request.user).exists()
            services.calendar_feed_reset(user=request.user)
            messages.success(
                request,
                "Here is your new calendar address. The old one has stopped working: "
                "subscribe to this one instead."
                if had_one
                else "Here is your calendar address.",
            )
        return redirect("checkins:calendar")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(request, "checkins/calendar.html", {"feed": feed})


def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: the secret in the address is the key, as calendar apps need."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    couple, _ = current_pair(user=feed.user) if feed else (None, None)
    rhythm = Rhythm.objects.filter(couple=couple).first() if couple else None
    if rhythm is None:
        raise Http404("No such calendar.")
    body = review_calendar(couple=couple, rhythm=rhythm)
    # Not stored anywhere (NoStoreMiddleware: the secret is in the address); calendar apps
    # fetch it again on their own schedule.
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
