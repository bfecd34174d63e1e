"""One access helper per object type: anyone outside the couple gets 404, never 403."""

from django.http import Http404, HttpRequest

from .models import Couple, Invite


def get_couple_or_404(request: HttpRequest, couple_id: int) -> Couple:
    couple = Couple.objects.for_user(request.user).filter(pk=couple_id).first()
    if couple is None:
        raise Http404("No such couple.")
    return couple


def get_invite_or_404(request: HttpRequest, invite_id: int) -> Invite:
    couple_ids = Couple.objects.for_user(request.user).values("pk")
    invite = Invite.objects.filter(pk=invite_id, couple__in=couple_ids).first()
    if invite is None:
        raise Http404("No such invite.")
    return invite
