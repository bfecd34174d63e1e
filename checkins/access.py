"""One access helper per object type: 404 for anyone who may not see the object."""

from django.http import Http404, HttpRequest

from intimacy.accounts.models import Couple
from intimacy.accounts.services import current_couple

from .models import CheckIn, ParkedTopic, Review
from .selectors.checkin import visible_checkin


def get_checkin_or_404(request: HttpRequest, checkin_id: int) -> CheckIn:
    """The viewer's own check-in, or their current partner's once the reveal rule allows."""
    checkin = visible_checkin(
        viewer=request.user, checkin_id=checkin_id, couple=current_couple(user=request.user)
    )
    if checkin is None:
        raise Http404("No such check-in.")
    return checkin


def get_review_or_404(request: HttpRequest, review_id: int, *, archived: bool = False) -> Review:
    """A weekly review of the viewer's current couple (its `couple` loaded too).

    With `archived`, also a review of a couple the viewer was in that has ended, to read their
    own answers in (`review.couple.status` says which); nothing of it can change.
    """
    couple = current_couple(user=request.user)
    review = Review.objects.filter(pk=review_id, couple=couple).first() if couple else None
    if review is not None:
        review.couple = couple
    elif archived:
        former = Couple.objects.former_for_user(request.user)
        review = Review.objects.select_related("couple").filter(pk=review_id, couple__in=former)
        review = review.first()
    if review is None:
        raise Http404("No such review.")
    return review


def get_topic_or_404(request: HttpRequest, topic_id: int) -> ParkedTopic:
    """A parked topic of the viewer's current couple."""
    couple = current_couple(user=request.user)
    topic = ParkedTopic.objects.filter(pk=topic_id, couple=couple).first() if couple else None
    if topic is None:
        raise Http404("No such topic.")
    return topic
