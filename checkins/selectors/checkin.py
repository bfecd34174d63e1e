"""One check-in: mine of today, and one the viewer may open (the reveal rule applies)."""

import datetime as dt

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from checkins.models import CheckIn, Reaction
from checkins.services import has_current_checkin, is_revealed, readable
from intimacy.accounts.models import Couple, User

# Partners' "today" can be up to two calendar days apart (UTC-12 and UTC+14).
ZONE_SPREAD = dt.timedelta(days=2)


def _other_reaction(field: str = "kind") -> Subquery:
    """The reaction someone other than the author left on a check-in (at most one): its kind,
    or another `field` of it."""
    return Subquery(
        Reaction.objects.filter(checkin=OuterRef("pk"))
        .exclude(author=OuterRef("author"))
        .values(field)[:1]
    )


def current_checkin(*, user: User) -> CheckIn | None:
    """My check-in of today, while today lasts."""
    return CheckIn.objects.filter(
        author=user, local_date=user.local_today(), day_ends_at__gt=timezone.now()
    ).first()


def ended_checkin_today(*, user: User) -> bool:
    """A check-in dated today that is already over: made in a zone where today has ended."""
    return CheckIn.objects.filter(
        author=user, local_date=user.local_today(), day_ends_at__lte=timezone.now()
    ).exists()


def visible_checkin(*, viewer: User, checkin_id: int, couple: Couple | None) -> CheckIn | None:
    """A check-in the viewer may open: their own, or their partner's once revealed."""
    checkin = (
        CheckIn.objects.select_related("author")
        .annotate(other_reaction=_other_reaction(), other_reaction_by=_other_reaction("author"))
        .filter(readable(viewer=viewer, current=couple), pk=checkin_id)
        .first()
    )
    if checkin is None or checkin.author_id == viewer.pk:
        return checkin
    current = has_current_checkin(user=viewer, couple=couple)
    if not is_revealed(checkin=checkin, viewer_has_current=current):
        return None
    return checkin
