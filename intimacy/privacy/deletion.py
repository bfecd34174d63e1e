"""Deleting an account: the person and every row about them; their partner is told."""

from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from intimacy.accounts import services as accounts
from intimacy.accounts.models import Couple, User
from intimacy.lib.emails import templated_email
from prompts.models import Prompt, PromptSet, Status


@dataclass
class Deleted:
    partner_told: bool


@transaction.atomic
def account_delete(*, user: User) -> Deleted:
    """Delete a person and every row about them. Their couple ends first, and the partner is
    told by email; the partner keeps their own entries. Sessions end, cached data goes."""
    told = False
    for couple in Couple.objects.filter(memberships__user=user, memberships__is_active=True):
        partners = [m.user for m in couple.memberships.select_related("user") if m.user != user]
        accounts.couple_end(couple=couple)
        for partner in partners:
            message = templated_email(
                "couple-ended", to=partner.email, context={"name": partner.display_name}
            )
            transaction.on_commit(message.send)
            told = True
    couple_ids = list(Couple.objects.filter(memberships__user=user).values_list("pk", flat=True))
    # A coach's prompts and sets leave the library with them, but couples who used them keep
    # their history (what they did, their day's prompt): archived, and no longer theirs.
    Prompt.objects.filter(author=user).update(author=None, status=Status.ARCHIVED)
    PromptSet.objects.filter(author=user).update(
        author=None, status=Status.ARCHIVED, visibility=PromptSet.Visibility.PRIVATE
    )
    _end_sessions(user)
    # Rows that name the person without belonging to them (an invite they used, a prompt they
    # marked, a coach's look) keep the row and lose the name: on_delete=SET_NULL.
    user.delete()
    # A couple left with nobody in it goes entirely: nothing in it belongs to anyone now.
    Couple.objects.filter(pk__in=couple_ids, memberships__isnull=True).delete()
    transaction.on_commit(lambda: cache.delete_many([f"daily-prompt:{pk}" for pk in couple_ids]))
    return Deleted(partner_told=told)


def _end_sessions(user: User) -> None:
    """End every session of the person now (the login ones, and any other device)."""

    # Sessions are not indexed by user: look through the live ones (a bounded scan).
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
