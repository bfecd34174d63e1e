from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .access import PENDING_INVITE_KEY, find_invite
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
