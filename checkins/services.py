"""Check-ins and reactions: the writes, and the one rule about who sees what."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from intimacy.accounts.models import Couple, User

from .models import CheckIn, Disclosure, Need, Reaction, Tag, Weather


class CheckInError(Exception):
    """An action the rules do not allow; the message is shown to the user."""


@dataclass(frozen=True)
class SharedCheckIn:
    """What a partner may see of someone else's check-in: never the private note."""

    id: int
    local_date: dt.date
    weather: str
    weather_label: str
    energy: int
    needs: tuple[str, ...] | None
    tags: tuple[str, ...] | None
    note_to_partner: str | None
    disclosure: str


def _labels(values: list[str], choices: type[Need] | type[Tag]) -> tuple[str, ...]:
    known = dict(choices.choices)
    return tuple(known[v] for v in values if v in known)


def shared_view(checkin: CheckIn) -> SharedCheckIn:
    """The partner's view of `checkin`, cut to the disclosure level its author chose."""
    level = checkin.disclosure
    return SharedCheckIn(
        id=checkin.pk,
        local_date=checkin.local_date,
        weather=checkin.weather,
        weather_label=Weather(checkin.weather).label,
        energy=checkin.energy,
        needs=_labels(checkin.needs, Need) if level in (Disclosure.NEEDS, Disclosure.ALL) else None,
        tags=_labels(checkin.tags, Tag) if level == Disclosure.ALL else None,
        note_to_partner=(checkin.note_to_partner or None) if level == Disclosure.ALL else None,
        disclosure=level,
    )


def is_revealed(*, checkin: CheckIn, author: User, viewer_checked_in_today: bool) -> bool:
    """Nobody goes first: the partner's check-in of their today shows once I have done mine."""
    return checkin.local_date < author.local_today() or viewer_checked_in_today


@transaction.atomic
def checkin_submit(
    *,
    author: User,
    couple: Couple | None,
    weather: str,
    energy: int,
    needs: list[str],
    tags: list[str],
    note_to_partner: str,
    private_note: str,
    disclosure: str,
) -> CheckIn:
    """Record or update today's check-in, today being the author's own local day.

    One statement inserts or updates, so two tabs submitting at once never make two rows.
    """
    now = timezone.now()
    fields = {
        "couple": couple,
        "weather": weather,
        "energy": energy,
        "needs": needs,
        "tags": tags,
        "note_to_partner": note_to_partner,
        "private_note": private_note,
        "disclosure": disclosure,
        "updated_at": now,
    }
    local_date = author.local_today()
    CheckIn.objects.bulk_create(
        [CheckIn(author=author, local_date=local_date, created_at=now, **fields)],
        update_conflicts=True,
        unique_fields=["author", "local_date"],
        update_fields=list(fields),
    )
    return CheckIn.objects.get(author=author, local_date=local_date)


@transaction.atomic
def reaction_set(*, checkin: CheckIn, author: User, kind: str) -> Reaction:
    """Answer the partner's check-in with one tap; tapping again changes the answer."""
    if checkin.author_id == author.pk:
        raise CheckInError("You can react to your partner's check-in, not your own.")
    reaction, _ = Reaction.objects.update_or_create(
        checkin=checkin, author=author, defaults={"kind": kind, "created_at": timezone.now()}
    )
    return reaction


def reaction_undo(*, checkin: CheckIn, author: User) -> None:
    Reaction.objects.filter(checkin=checkin, author=author).delete()
