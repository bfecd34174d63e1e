"""One access helper per object type: anyone outside the couple gets 404, never 403."""

import re

from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from .models import CoachLink, Couple, Invite

PENDING_INVITE_KEY = "pending_invite_token"
# Where a coach or staff member was going when two-factor set-up came first.
WAY_ON_KEY = "two_factor_way_on"
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def get_couple_or_404(request: HttpRequest, couple_id: int) -> Couple:
    couple = Couple.objects.for_user(request.user).filter(pk=couple_id).first()
    if couple is None:
        raise Http404("No such couple.")
    return couple


def get_former_couple_or_404(request: HttpRequest, couple_id: int) -> Couple:
    """A couple the viewer was in that has ended: theirs to look back on (their own part)."""
    couple = Couple.objects.former_for_user(request.user).filter(pk=couple_id).first()
    if couple is None:
        raise Http404("No such couple.")
    return couple


def get_invite_or_404(request: HttpRequest, invite_id: int) -> Invite:
    couple_ids = Couple.objects.for_user(request.user).values("pk")
    invite = Invite.objects.filter(pk=invite_id, couple__in=couple_ids).first()
    if invite is None:
        raise Http404("No such invite.")
    return invite


def find_invite(*, token: str) -> Invite | None:
    """The invite behind a link. Anyone holding the token may read who sent it."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return Invite.objects.select_related("couple", "created_by").filter(token=token).first()


def remember_invite(request: HttpRequest, token: str | None) -> None:
    """Keep a visitor's invite through sign-up and email confirmation (or forget it)."""
    if token is None:
        request.session.pop(PENDING_INVITE_KEY, None)
    else:
        request.session[PENDING_INVITE_KEY] = token


def take_remembered_invite(request: HttpRequest) -> str | None:
    """The remembered invite, once: after that the person is free to go elsewhere."""
    return request.session.pop(PENDING_INVITE_KEY, None)


def remember_way_on(request: HttpRequest, path: str | None) -> None:
    """Keep the page a person was going to while they set up two-factor authentication, to
    offer it when they are done (or forget it, once they are there). Only this site's own
    pages: never an address that leads elsewhere."""
    if path is None:
        request.session.pop(WAY_ON_KEY, None)
    elif url_has_allowed_host_and_scheme(path, allowed_hosts=None) and path.startswith("/"):
        request.session[WAY_ON_KEY] = path


def remembered_way_on(request: HttpRequest) -> str | None:
    return request.session.get(WAY_ON_KEY) if hasattr(request, "session") else None


def get_coach_link_or_404(request: HttpRequest, link_id: int) -> CoachLink:
    """A coach link of the viewer's own couple (for the partners to manage)."""
    couple_ids = Couple.objects.for_user(request.user).values("pk")
    link = CoachLink.objects.filter(pk=link_id, couple__in=couple_ids).first()
    if link is None:
        raise Http404("No such coach link.")
    return link


def require_coach(request: HttpRequest) -> None:
    """Coach pages: 404 to anyone without the coach role (not revealing the page exists)."""
    if not (request.user.is_authenticated and request.user.is_coach):
        raise Http404("Not a coach.")


def get_coaching_or_404(request: HttpRequest, couple_id: int) -> CoachLink:
    """The viewer's active link to a couple they coach: revoked, or never linked, is 404."""
    link = CoachLink.objects.of_coach(request.user).select_related("couple")
    link = link.filter(couple_id=couple_id).first()
    if link is None:
        raise Http404("No such couple.")
    return link
