from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from .access import PENDING_INVITE_KEY, find_invite, remembered_way_on
from .models import Invite


def pending_invite(request: HttpRequest) -> dict[str, object]:
    """The invite a visitor followed, for the sign-up and log-in pages to mention.

    Lazy: no query unless a page asks and the session holds an invite.
    """

    def load() -> Invite | None:
        token = request.session.get(PENDING_INVITE_KEY) if hasattr(request, "session") else None
        invite = find_invite(token=token) if token else None
        return invite if invite is not None and invite.is_usable() else None

    return {"pending_invite": SimpleLazyObject(load)}


@dataclass(frozen=True)
class WayOn:
    url: str
    label: str
    is_back: bool


def way_on(request: HttpRequest) -> dict[str, object]:
    """The way on from the two-factor pages: to where the person was going when set-up came
    first, else back to the settings they came from. Lazy: read only by those pages."""

    def load() -> WayOn:
        path = remembered_way_on(request)
        if path:
            return WayOn(url=path, label="Continue", is_back=False)
        return WayOn(url=reverse("accounts:profile"), label="Back to settings", is_back=True)

    return {"way_on": SimpleLazyObject(load)}
