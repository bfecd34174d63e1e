import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from intimacy.lib.ratelimit import allow, client_ip

from . import services
from .access import get_couple_or_404, get_invite_or_404
from .forms import JoinCodeForm, ProfileForm
from .models import Invite

PENDING_INVITE_KEY = "pending_invite_token"
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@require_POST
@login_required
def couple_create(request: HttpRequest) -> HttpResponse:
    try:
        services.couple_create(user=request.user)
    except services.CoupleError as exc:
        messages.error(request, str(exc))
    return redirect("dashboard")


@require_POST
@login_required
def invite_new(request: HttpRequest, couple_id: int) -> HttpResponse:
    couple = get_couple_or_404(request, couple_id)
    try:
        services.invite_create(couple=couple, by=request.user)
        messages.success(request, "Here is a fresh invite. The old link and code no longer work.")
    except services.CoupleError as exc:
        messages.error(request, str(exc))
    return redirect("dashboard")


@require_POST
@login_required
def invite_revoke(request: HttpRequest, invite_id: int) -> HttpResponse:
    invite = get_invite_or_404(request, invite_id)
    services.invite_revoke(invite=invite)
    messages.success(request, "Invite withdrawn. Nobody can use that link or code now.")
    return redirect("dashboard")


def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invite link. Visitors see who invited them and sign up; partners confirm."""
    invite = None
    if TOKEN_SHAPE.fullmatch(token):
        invite = Invite.objects.select_related("couple", "created_by").filter(token=token).first()
    if invite is None:
        request.session.pop(PENDING_INVITE_KEY, None)
        return render(request, "accounts/invite_invalid.html", {"reason": "unknown"}, status=404)
    try:
        services.invite_check(invite=invite, user=request.user)
    except services.InviteError as exc:
        request.session.pop(PENDING_INVITE_KEY, None)
        ctx = {"reason": exc.reason, "message": exc.message}
        return render(request, "accounts/invite_invalid.html", ctx, status=410)
    if not request.user.is_authenticated:
        request.session[PENDING_INVITE_KEY] = token
        return render(request, "accounts/join_visitor.html", {"invite": invite})
    if request.method == "POST":
        request.session.pop(PENDING_INVITE_KEY, None)
        try:
            services.couple_join(invite=invite, user=request.user)
        except services.InviteError as exc:
            ctx = {"reason": exc.reason, "message": exc.message}
            return render(request, "accounts/invite_invalid.html", ctx, status=410)
        messages.success(request, f"You and {invite.created_by} are now paired.")
        return redirect("dashboard")
    own = services.current_couple(request.user)
    return render(request, "accounts/join_confirm.html", {"invite": invite, "own_couple": own})


def join_code(request: HttpRequest) -> HttpResponse:
    form = JoinCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not allow(action="join_code", key=client_ip(request), limit=10, window_seconds=600):
            form.add_error("code", "Too many tries. Please wait ten minutes and try again.")
        else:
            invite = Invite.objects.filter(code=form.cleaned_data["code"]).first()
            if invite is not None:
                return redirect("accounts:join", token=invite.token)
            form.add_error("code", "We couldn't find an invite with that code. Check it and retry.")
    return render(request, "accounts/join_code.html", {"form": form})


@login_required
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
        services.user_update_profile(user=request.user, **form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})
