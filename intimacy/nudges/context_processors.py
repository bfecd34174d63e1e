from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import selectors


def review_reminders(request: HttpRequest) -> dict[str, object]:
    """For the weekly review's pages (checkins, a layer below, cannot ask): whether this
    partner's own review reminders fall in their quiet hours.

    Lazy: nothing is read unless a page asks."""

    def load() -> selectors.ReviewReminderNote | None:
        user = getattr(request, "user", None)
        return selectors.review_quiet_note(user=user) if user is not None else None

    return {"review_quiet_note": SimpleLazyObject(load)}
