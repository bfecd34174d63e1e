"""The export: everything about a person that is theirs or their couple's, as one document."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
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
from intimacy.nudges.models import Nudge, NudgeRule, NudgeSettings
from prompts.models import DailyPrompt, FollowedSet, Prompt, PromptLog, PromptSet, SetOffer


def _time(value: dt.datetime | dt.date | None, zone: ZoneInfo) -> str | None:
    """A moment in the exporting person's own local time (a date as it is)."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, zone)
    return value.isoformat() if value else None


def _fields(obj: Model, names: list[str], zone: ZoneInfo) -> dict[str, Any]:
    out = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = _time(value, zone) if isinstance(value, dt.date | dt.datetime) else value
    return out


def _own_fields(model: type[Model], *, leave_out: tuple[str, ...] = ()) -> list[str]:
    """A model's own values (not its id nor its links): a new field is exported too."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and not f.is_relation and f.name not in leave_out
    ]


ANSWER_FIELDS = _own_fields(ReviewAnswer)


def _couple(couple: Couple, user: User, current: Couple | None, zone: ZoneInfo) -> dict[str, Any]:
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
                **_fields(
                    review, ["week_start", "revealed_at", "focus_habit", "focus_chosen_at"], zone
                ),
                "your_answer": _fields(mine, ANSWER_FIELDS, zone) if mine else None,
                "partner_answer": _fields(theirs, ANSWER_FIELDS, zone) if theirs else None,
            }
        )
    rhythm = Rhythm.objects.filter(couple=couple).first()
    return {
        **_fields(couple, ["status", "created_at", "paired_at", "ended_at"], zone),
        "partners": partners,
        "rhythm": _fields(rhythm, ["weekday", "local_time", "duration_minutes", "time_zone"], zone)
        if rhythm
        else None,
        "moved_weeks": [
            _fields(m, ["week_start", "starts_at"], zone)
            for m in RhythmMove.objects.filter(couple=couple)
        ],
        "reviews": reviews,
        "parked_topics": [
            {
                "text": t.text,
                "by": "you"
                if t.author_id == user.pk
                else accounts.partner_name(person_id=t.author_id, partner=partner),
                "created_at": _time(t.created_at, zone),
                "talked_at": _time(t.talked_at, zone),
            }
            for t in couple.parked_topics.filter(readable(viewer=user, current=current)).order_by(
                "created_at"
            )
        ],
        "prompts": [
            {"prompt": log.prompt.text, "state": log.state, "at": _time(log.at, zone)}
            for log in PromptLog.objects.filter(couple=couple).select_related("prompt")
        ],
        "daily_prompts": [
            {"day": d.day.isoformat(), "prompt": d.prompt.text if d.prompt else None}
            for d in DailyPrompt.objects.filter(couple=couple).select_related("prompt")
        ],
        "followed_sets": [
            {"set": f.prompt_set.title, "followed_at": _time(f.followed_at, zone)}
            for f in FollowedSet.objects.filter(couple=couple).select_related("prompt_set")
        ],
        "set_offers": [
            {"set": o.prompt_set.title, "status": o.status, "at": _time(o.created_at, zone)}
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
                    zone,
                ),
            }
            for link in CoachLink.objects.filter(couple=couple).select_related("coach")
        ],
        "coach_accesses": [
            {
                "coach": a.coach.display_name if a.coach else None,
                "what": a.what,
                "at": _time(a.at, zone),
            }
            for a in CoachAccess.objects.filter(couple=couple).select_related("coach")
        ],
        "invites_you_sent": [
            _fields(i, ["status", "created_at", "expires_at", "closed_at"], zone)
            for i in Invite.objects.filter(couple=couple, created_by=user)
        ],
        "your_membership": [
            _fields(m, ["slot", "joined_at", "is_active"], zone)
            for m in Membership.objects.filter(couple=couple, user=user)
        ],
    }


CHECKIN_FIELDS = _own_fields(CheckIn, leave_out=("day_ends_at",))


def data_export(*, user: User) -> dict[str, Any]:
    """Everything about `user` that is theirs or their couple's; nothing private of anyone else.

    Every moment is written in the person's own local time (their zone, passed down)."""
    zone = user.zone
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
        "exported_at": _time(timezone.now(), zone),
        "time_zone": user.time_zone,
        "you": {
            **_fields(
                user, ["email", "display_name", "time_zone", "is_coach", "date_joined"], zone
            ),
            "email_addresses": [
                _fields(e, ["email", "verified", "primary"], zone)
                for e in EmailAddress.objects.filter(user=user)
            ],
            "calendar_address_made": CalendarFeed.objects.filter(user=user).exists(),
            "two_factor": [
                _fields(a, ["type", "created_at", "last_used_at"], zone)
                for a in Authenticator.objects.filter(user=user)
            ],
        },
        "checkins": [
            {
                **_fields(c, CHECKIN_FIELDS, zone),
                # In words too, for the page to read.
                "weather_name": Weather(c.weather).label,
                "need_names": [Need(n).label for n in c.needs if n in Need.values],
                "shared": Disclosure(c.disclosure).label,
                "reactions_received": received.get(c.pk, []),
            }
            for c in checkins
        ],
        "reactions_you_gave": [
            {
                "kind": r.kind,
                "on": r.checkin.local_date.isoformat(),
                "at": _time(r.created_at, zone),
            }
            for r in Reaction.objects.filter(author=user).select_related("checkin")
        ],
        "couples": [_couple(couple, user, current, zone) for couple in couples],
        "nudges": {
            "settings": _fields(
                prefs,
                ["by_email", "in_app", "quiet_start", "quiet_end", "daily_cap", "paused_until"],
                zone,
            )
            if prefs
            else None,
            "habits": [
                _fields(r, ["habit", "local_time", "enabled", "focus_until"], zone)
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
                    zone,
                )
                for n in Nudge.objects.filter(user=user).order_by("due_at")
            ],
        },
        "coaching": {
            "prompts_you_wrote": [
                _fields(p, ["text", "kind", "layer", "depth", "minutes", "tags", "status"], zone)
                for p in Prompt.objects.filter(author=user)
            ],
            "sets_you_made": [
                {
                    **_fields(
                        s,
                        ["title", "slug", "description", "audience", "visibility", "status"],
                        zone,
                    ),
                    "prompts": [i.prompt.text for i in s.items.select_related("prompt")],
                }
                for s in PromptSet.objects.filter(author=user)
            ],
        },
    }
