from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from intimacy.lib.decorators import login_required_post, password_recently
from intimacy.lib.ratelimit import allow

from . import services
from .access import (
    find_invite,
    get_coach_link_or_404,
    get_couple_or_404,
    get_invite_or_404,
    remember_invite,
)
from .forms import CoachScopeForm, JoinCodeForm, ProfileForm
from .models import CoachLink, Invite


@login_required_post
def couple_create(request: HttpRequest) -> HttpResponse:
    try:
        services.couple_create(user=request.user)
        messages.success(request, "Your couple is ready. Send your partner the link below.")
    except services.CoupleError as exc:
        messages.error(request, str(exc))
    return redirect("dashboard")


@login_required_post
def invite_new(request: HttpRequest, couple_id: int) -> HttpResponse:
    couple = get_couple_or_404(request, couple_id)
    try:
        services.invite_create(couple=couple, by=request.user)
        messages.success(request, "Here is a fresh invite. The old link and code no longer work.")
    except services.CoupleError as exc:
        messages.error(request, str(exc))
    return redirect("dashboard")


@login_required_post
def invite_revoke(request: HttpRequest, invite_id: int) -> HttpResponse:
    invite = get_invite_or_404(request, invite_id)
    if services.invite_revoke(invite=invite):
        messages.success(request, "Invite withdrawn. Nobody can use that link or code now.")
    else:
        messages.info(request, "That invite was already used, expired or withdrawn.")
    return redirect("dashboard")


def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invite link. Visitors see who invited them and sign up; partners confirm."""
    invite = find_invite(token=token)
    if invite is None:
        remember_invite(request, None)
        return render(request, "accounts/invite_invalid.html", {"reason": "unknown"}, status=404)
    try:
        services.invite_check(invite=invite, user=request.user)
        if not request.user.is_authenticated:
            remember_invite(request, token)
            return render(request, "accounts/join_visitor.html", {"invite": invite})
        if request.method == "POST":
            remember_invite(request, None)
            services.couple_join(invite=invite, user=request.user)
            messages.success(request, f"You and {invite.created_by} are now paired.")
            return redirect("dashboard")
    except services.InviteError as exc:
        remember_invite(request, None)
        ctx = {"reason": exc.reason, "message": exc.message}
        return render(request, "accounts/invite_invalid.html", ctx, status=410)
    own = services.current_couple(user=request.user)
    return render(request, "accounts/join_confirm.html", {"invite": invite, "own_couple": own})


def join_code(request: HttpRequest) -> HttpResponse:
    form = JoinCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not allow(request, action="join_code"):
            form.add_error("code", "Too many tries. Please wait ten minutes and try again.")
        else:
            invite = Invite.objects.filter(code=form.cleaned_data["code"]).first()
            if invite is not None:
                return redirect("accounts:join", token=invite.token)
            form.add_error("code", "We couldn't find an invite with that code. Check it and retry.")
    return render(request, "accounts/join_code.html", {"form": form})


@login_required
@password_recently
def couple_end(request: HttpRequest, couple_id: int) -> HttpResponse:
    couple = get_couple_or_404(request, couple_id)
    if request.method == "POST":
        services.couple_end(couple=couple)
        messages.success(request, "Your couple has ended. Your own entries stay yours.")
        return redirect("dashboard")
    partner = services.partner_of(couple=couple, user=request.user)
    return render(request, "accounts/couple_end.html", {"couple": couple, "partner": partner})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm.for_user(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.user.update_profile(**form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect("accounts:profile")
    couple = services.current_couple(user=request.user)
    return render(request, "accounts/profile.html", {"form": form, "couple": couple})


@login_required
@password_recently
def couple_coach(request: HttpRequest, couple_id: int) -> HttpResponse:
    """The couple's coach settings: invite, what to share, revoke, and the access log."""
    couple = get_couple_or_404(request, couple_id)
    if request.method == "POST":
        services.coach_invite(couple=couple)
        messages.success(request, "Here is a link for your coach. It works once.")
        return redirect("accounts:couple_coach", couple_id=couple.pk)
    links = list(couple.coach_links.exclude(status="revoked").select_related("coach"))
    ctx = {
        "couple": couple,
        "links": [(link, CoachScopeForm(initial=_scope(link))) for link in links],
        # With no coach now: "yet" only if no coach ever accepted.
        "had_coach": not links and couple.coach_links.filter(coach__isnull=False).exists(),
        "accesses": couple.coach_accesses.select_related("coach").order_by("-at")[:50],
    }
    return render(request, "accounts/couple_coach.html", ctx)


def _scope(link: CoachLink) -> dict[str, bool]:
    return {"share_engagement": link.share_engagement, "share_reviews": link.share_reviews}


@login_required_post
@password_recently
def coach_scope(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_coach_link_or_404(request, link_id)
    form = CoachScopeForm(request.POST)
    if form.is_valid():
        services.coach_scope_set(link=link, **form.cleaned_data)
        messages.success(request, "Saved. Your coach sees only what you ticked.")
    return redirect("accounts:couple_coach", couple_id=link.couple_id)


@login_required_post
@password_recently
def coach_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_coach_link_or_404(request, link_id)
    services.coach_link_revoke(link=link)
    messages.success(request, "Done. That coach can no longer see anything of yours.")
    return redirect("accounts:couple_coach", couple_id=link.couple_id)
