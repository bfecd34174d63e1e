"""A partner's own data: the export, the account deletion, and the registry behind both.

It sits with the wiring, above every app, because it gathers from all of them. The registry
names every model that holds data about a person and says what the export does with it; a
test fails when a model with a link to a user or a couple is missing from it.
"""

import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from checkins.models import (
    CalendarFeed,
    CheckIn,
    Disclosure,
    Need,
    Reaction,
    ReviewAnswer,
    Rhythm,
    RhythmMove,
    Weather,
)
from checkins.services import answer_readable, readable
from intimacy.accounts import services as accounts
from intimacy.accounts.models import CoachAccess, CoachLink, Couple, Invite, Membership, User
from intimacy.lib.emails import templated_email
from intimacy.nudges.models import Nudge, NudgeRule, NudgeSettings
from prompts.models import (
    DailyPrompt,
    FollowedSet,
    Prompt,
    PromptLog,
    PromptSet,
    SetOffer,
    Status,
)

# Every model that holds data about a person: where it lands in the export (a path of keys;
# "couples.x" is in each couple), and what goes there.
REGISTRY: dict[str, tuple[str, str]] = {
    "accounts.User": ("you.display_name", "your profile"),
    "account.EmailAddress": ("you.email_addresses", "your email addresses"),
    "mfa.Authenticator": ("you.two_factor", "two-factor methods and when (never the secrets)"),
    "accounts.Couple": ("couples", "each couple you were in"),
    "accounts.Membership": ("couples.your_membership", "when you joined and left"),
    "accounts.Invite": ("couples.invites_you_sent", "invites you sent (not their links)"),
    "accounts.CoachLink": ("couples.coach_links", "coaches linked and what they could see"),
    "accounts.CoachAccess": ("couples.coach_accesses", "every time a coach looked"),
    "checkins.CheckIn": ("checkins", "yours, with your private notes (never your partner's)"),
    "checkins.Reaction": ("reactions_you_gave", "reactions you gave (and on yours, received)"),
    "checkins.Rhythm": ("couples.rhythm", "the weekly review rhythm"),
    "checkins.RhythmMove": ("couples.moved_weeks", "weeks moved"),
    "checkins.Review": ("couples.reviews", "each weekly review"),
    "checkins.ReviewAnswer": ("couples.reviews", "yours; your partner's once revealed to you"),
    "checkins.ParkedTopic": ("couples.parked_topics", "topics parked (shared by both)"),
    "checkins.CalendarFeed": ("you.calendar_address_made", "whether one exists (not the address)"),
    "prompts.Prompt": ("coaching.prompts_you_wrote", "prompts you wrote (kept, unnamed, after)"),
    "prompts.PromptSet": ("coaching.sets_you_made", "sets you made (kept, unnamed, after)"),
    "prompts.PromptSetItem": ("coaching.sets_you_made", "the prompts in your sets"),
    "prompts.FollowedSet": ("couples.followed_sets", "sets the couple followed"),
    "prompts.PromptLog": ("couples.prompts", "prompts done, skipped or saved"),
    "prompts.DailyPrompt": ("couples.daily_prompts", "the prompt of each day"),
    "prompts.SetOffer": ("couples.set_offers", "sets a coach offered"),
    "nudges.NudgeSettings": ("nudges.settings", "your nudge settings"),
    "nudges.NudgeRule": ("nudges.habits", "your habits and times"),
    "nudges.Nudge": ("nudges.sent", "every nudge sent or held back"),
}
# Held by frameworks about a login, not written by the person; never exported, gone on deletion.
NOT_EXPORTED: dict[str, str] = {
    "admin.LogEntry": "staff actions in the admin (about staff, not partners)",
    "sessions.Session": "login sessions: they end on deletion",
    "account.EmailConfirmation": "one-time confirmation keys",
}


# The zone of the person exporting: every moment is written in their own local time.
_ZONE: ContextVar[ZoneInfo | None] = ContextVar("export_zone", default=None)


def _time(value: dt.datetime | dt.date | None) -> str | None:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, _ZONE.get() or dt.UTC)
    return value.isoformat() if value else None


def _fields(obj: Model, names: list[str]) -> dict[str, Any]:
    out = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = _time(value) if isinstance(value, dt.date | dt.datetime) else value
    return out


def _own_fields(model: type[Model], *, leave_out: tuple[str, ...] = ()) -> list[str]:
    """A model's own values (not its id nor its links): a new field is exported too."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and not f.is_relation and f.name not in leave_out
    ]


ANSWER_FIELDS = _own_fields(ReviewAnswer)


def _couple(couple: Couple, user: User, current: Couple | None) -> dict[str, Any]:
    """One couple the person was in. What the other partner wrote comes only from the couple
    they are in now, as the app shows it (checkins.services.may_read): of a couple that ended,
    only their own entries."""
    partner = accounts.partner_of(couple=couple, user=user) if couple == current else None
    other = next((m.user_id for m in couple.memberships.all() if m.user_id != user.pk), None)
    partners = [user.display_name]
    if other is not None or couple.paired_at is not None:  # the other may have left the app
        partners.append(accounts.partner_name(person_id=other, partner=partner))
    reviews = []
    for review in couple.reviews.order_by("week_start").prefetch_related("answers"):
        answers = [
            a
            for a in review.answers.all()
            if answer_readable(viewer=user, answer=a, review=review, current=current)
        ]
        mine = next((a for a in answers if a.author_id == user.pk), None)
        theirs = next((a for a in answers if a.author_id != user.pk), None)
        reviews.append(
            {
                **_fields(review, ["week_start", "revealed_at", "focus_habit", "focus_chosen_at"]),
                "your_answer": _fields(mine, ANSWER_FIELDS) if mine else None,
                "partner_answer": _fields(theirs, ANSWER_FIELDS) if theirs else None,
            }
        )
    rhythm = Rhythm.objects.filter(couple=couple).first()
    return {
        **_fields(couple, ["status", "created_at", "paired_at", "ended_at"]),
        "partners": partners,
        "rhythm": _fields(rhythm, ["weekday", "local_time", "duration_minutes", "time_zone"])
        if rhythm
        else None,
        "moved_weeks": [
            _fields(m, ["week_start", "starts_at"])
            for m in RhythmMove.objects.filter(couple=couple)
        ],
        "reviews": reviews,
        "parked_topics": [
            {
                "text": t.text,
                "by": "you"
                if t.author_id == user.pk
                else accounts.partner_name(person_id=t.author_id, partner=partner),
                "created_at": _time(t.created_at),
                "talked_at": _time(t.talked_at),
            }
            for t in couple.parked_topics.filter(readable(viewer=user, current=current)).order_by(
                "created_at"
            )
        ],
        "prompts": [
            {"prompt": log.prompt.text, "state": log.state, "at": _time(log.at)}
            for log in PromptLog.objects.filter(couple=couple).select_related("prompt")
        ],
        "daily_prompts": [
            {"day": d.day.isoformat(), "prompt": d.prompt.text if d.prompt else None}
            for d in DailyPrompt.objects.filter(couple=couple).select_related("prompt")
        ],
        "followed_sets": [
            {"set": f.prompt_set.title, "followed_at": _time(f.followed_at)}
            for f in FollowedSet.objects.filter(couple=couple).select_related("prompt_set")
        ],
        "set_offers": [
            {"set": o.prompt_set.title, "status": o.status, "at": _time(o.created_at)}
            for o in SetOffer.objects.filter(couple=couple).select_related("prompt_set")
        ],
        "coach_links": [
            {
                "coach": link.coach.display_name if link.coach else None,
                **_fields(
                    link,
                    [
                        "status",
                        "share_engagement",
                        "share_reviews",
                        "created_at",
                        "accepted_at",
                        "revoked_at",
                    ],
                ),
            }
            for link in CoachLink.objects.filter(couple=couple).select_related("coach")
        ],
        "coach_accesses": [
            {"coach": a.coach.display_name if a.coach else None, "what": a.what, "at": _time(a.at)}
            for a in CoachAccess.objects.filter(couple=couple).select_related("coach")
        ],
        "invites_you_sent": [
            _fields(i, ["status", "created_at", "expires_at", "closed_at"])
            for i in Invite.objects.filter(couple=couple, created_by=user)
        ],
        "your_membership": [
            _fields(m, ["slot", "joined_at", "is_active"])
            for m in Membership.objects.filter(couple=couple, user=user)
        ],
    }


CHECKIN_FIELDS = _own_fields(CheckIn, leave_out=("day_ends_at",))


def data_export(*, user: User) -> dict[str, Any]:
    """Everything about `user` that is theirs or their couple's; nothing private of anyone else."""
    token = _ZONE.set(user.zone)
    try:
        return _export(user)
    finally:
        _ZONE.reset(token)


def _export(user: User) -> dict[str, Any]:
    couples = (
        Couple.objects.filter(memberships__user=user)
        .order_by("created_at")
        .distinct()
        .prefetch_related("memberships")
    )
    current = accounts.current_couple(user=user)
    checkins = CheckIn.objects.filter(author=user).order_by("local_date")
    received: dict[int, list[str]] = {}
    for reaction in Reaction.objects.filter(checkin__author=user).exclude(author=user):
        received.setdefault(reaction.checkin_id, []).append(reaction.kind)
    prefs = NudgeSettings.objects.filter(user=user).first()
    return {
        "format": "intimacy.export",
        "version": 1,
        "exported_at": _time(timezone.now()),
        "time_zone": user.time_zone,
        "you": {
            **_fields(user, ["email", "display_name", "time_zone", "is_coach", "date_joined"]),
            "email_addresses": [
                _fields(e, ["email", "verified", "primary"])
                for e in EmailAddress.objects.filter(user=user)
            ],
            "calendar_address_made": CalendarFeed.objects.filter(user=user).exists(),
            "two_factor": [
                _fields(a, ["type", "created_at", "last_used_at"])
                for a in Authenticator.objects.filter(user=user)
            ],
        },
        "checkins": [
            {
                **_fields(c, CHECKIN_FIELDS),
                # In words too, for the page to read.
                "weather_name": Weather(c.weather).label,
                "need_names": [Need(n).label for n in c.needs if n in Need.values],
                "shared": Disclosure(c.disclosure).label,
                "reactions_received": received.get(c.pk, []),
            }
            for c in checkins
        ],
        "reactions_you_gave": [
            {"kind": r.kind, "on": r.checkin.local_date.isoformat(), "at": _time(r.created_at)}
            for r in Reaction.objects.filter(author=user).select_related("checkin")
        ],
        "couples": [_couple(couple, user, current) for couple in couples],
        "nudges": {
            "settings": _fields(
                prefs,
                ["by_email", "in_app", "quiet_start", "quiet_end", "daily_cap", "paused_until"],
            )
            if prefs
            else None,
            "habits": [
                _fields(r, ["habit", "local_time", "enabled", "focus_until"])
                for r in NudgeRule.objects.filter(user=user)
            ],
            "sent": [
                _fields(
                    n,
                    [
                        "habit",
                        "local_date",
                        "state",
                        "held",
                        "title",
                        "message",
                        "sent_at",
                        "opened_at",
                        "read_at",
                    ],
                )
                for n in Nudge.objects.filter(user=user).order_by("due_at")
            ],
        },
        "coaching": {
            "prompts_you_wrote": [
                _fields(p, ["text", "kind", "layer", "depth", "minutes", "tags", "status"])
                for p in Prompt.objects.filter(author=user)
            ],
            "sets_you_made": [
                {
                    **_fields(
                        s, ["title", "slug", "description", "audience", "visibility", "status"]
                    ),
                    "prompts": [i.prompt.text for i in s.items.select_related("prompt")],
                }
                for s in PromptSet.objects.filter(author=user)
            ],
        },
    }


# Deletion


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
