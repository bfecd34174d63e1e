"""One access helper per object type: 404 for anyone who may not see the object."""

from django.http import Http404, HttpRequest

from intimacy.accounts.services import current_couple

from .models import CheckIn
from .selectors import visible_checkin


def get_checkin_or_404(request: HttpRequest, checkin_id: int) -> CheckIn:
    """The viewer's own check-in, or their current partner's once the reveal rule allows."""
    checkin = visible_checkin(
        viewer=request.user, checkin_id=checkin_id, couple=current_couple(user=request.user)
    )
    if checkin is None:
        raise Http404("No such check-in.")
    return checkin
