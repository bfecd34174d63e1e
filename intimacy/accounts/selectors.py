"""Reads about couples that pages show."""

from dataclasses import dataclass

from django.urls import reverse

from .models import CoachLink, Couple, Invite, User


@dataclass(frozen=True)
class CoupleNews:
    """What the dashboard adds about the couple beyond the partner's name."""

    invite: Invite | None = None
    last_invite_expired: bool = False
    ended: Couple | None = None


def couple_news(*, user: User, couple: Couple | None) -> CoupleNews:
    """The open invite of a pending couple (or that it expired), or a paired couple that ended."""
    if couple is None:
        ended = (
            Couple.objects.filter(
                memberships__user=user, status=Couple.Status.ENDED, paired_at__isnull=False
            )
            .order_by("-ended_at")
            .first()
        )
        return CoupleNews(ended=ended)
    if couple.status != Couple.Status.PENDING:
        return CoupleNews()
    latest = couple.invites.order_by("-created_at").first()
    if latest is not None and latest.is_usable():
        return CoupleNews(invite=latest)
    expired = latest is not None and latest.status in (Invite.Status.OPEN, Invite.Status.EXPIRED)
    return CoupleNews(last_invite_expired=expired)


def landing_url(*, user: User) -> str:
    """Where a person starts (after logging in, or opening the site): a coach with no couple
    of their own on their coaching page, everyone else on their dashboard."""
    if user.is_coach and not Couple.objects.for_user(user).exists():
        return reverse("coach:home")
    return reverse("dashboard")


def coach_ever_linked(*, coach: User) -> bool:
    """Whether any couple ever linked with this coach (a link accepted, even if it has ended):
    an empty coaching page then says "at the moment", not "yet"."""
    return CoachLink.objects.filter(coach=coach).exists()
