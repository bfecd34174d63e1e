"""The export as a page to read: what data_export() holds, in the app's own words.

The JSON keeps the stored values (keys like "went_well", "see_you", weekday 6); this page says
them as the app does (the questions' words, "I see you", "Sundays"), with dates and times for
the template to write in the reader's zone.

How it is styled. The page is a file to keep and open from one's own disk, with no server
behind it, so it cannot link /static/css/app.css. It carries the app's own stylesheet (and a
few rules of its own, static/css/export.css) in one <style> element. Our policy forbids inline
styles, so that one stylesheet is allowed by its SHA-256 hash and nothing else: in this
response's Content-Security-Policy (which replaces the app's: the file loads nothing, from
anywhere) and in a <meta> policy inside the file, which keeps applying when the file is opened
offline. No 'unsafe-inline', no style attributes, no scripts, no images.
"""

import base64
import datetime as dt
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders

from checkins.forms import QUESTION_LABELS, QUESTION_SHORT
from checkins.models import Habit, ReactionKind, ReviewAnswer, Rhythm, Tag
from intimacy.accounts.models import CoachLink, Couple
from intimacy.nudges.catalogue import NudgeHabit
from intimacy.nudges.models import Nudge
from prompts.models import Layer, PromptLog, PromptSet, SetOffer, Status

STYLESHEETS = ("css/app.css", "css/export.css")
TWO_FACTOR = {"totp": "Authenticator app", "recovery_codes": "Recovery codes"}


@cache
def _stylesheet() -> tuple[str, str]:
    parts = []
    for name in STYLESHEETS:
        found = finders.find(name)
        if not isinstance(found, str):
            raise FileNotFoundError(name)
        parts.append(Path(found).read_text(encoding="utf-8"))
    css = "\n".join(parts)
    if "</" in css:  # it would end the <style> element early
        raise ValueError("The export's stylesheet may not contain '</'.")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return css, f"'sha256-{digest}'"


def stylesheet() -> tuple[str, str]:
    """The page's stylesheet and its CSP source ('sha256-…'): read once per process."""
    if settings.DEBUG:  # the files may change while the development server runs
        _stylesheet.cache_clear()
    return _stylesheet()


def policy(style_source: str) -> dict[str, list[str]]:
    """The file's own Content-Security-Policy: nothing loads, only its stylesheet applies."""
    return {
        "default-src": ["'none'"],
        "style-src": [style_source],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "frame-ancestors": ["'none'"],
    }


def meta_policy(style_source: str) -> str:
    """The same policy for a <meta> element (which cannot carry frame-ancestors)."""
    directives = {k: v for k, v in policy(style_source).items() if k != "frame-ancestors"}
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _when(value: str | None) -> dt.datetime | None:
    """A moment of the export (ISO 8601 with its offset), for the template to write."""
    return dt.datetime.fromisoformat(value) if value else None


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def _clock(value: dt.time | str | None) -> str:
    """A clock time as the app writes it: "19:00"."""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value[:5] if value else ""


def _label(choices: Any, value: str | None) -> str:
    return str(dict(choices.choices).get(value, value or ""))


def _answer(answer: dict[str, Any] | None) -> dict[str, Any] | None:
    """A weekly-review answer in the questions' own words."""
    if answer is None:
        return None
    more_time = answer.get("more_time") or []
    repair = _label(ReviewAnswer.Repair, answer.get("repair")) or "Not answered"
    if answer.get("repair_what"):
        repair = f"{repair}: {answer['repair_what']}"
    ratings = []
    for layer, label in Layer.choices:
        felt, wished = answer.get(f"felt_{layer}"), answer.get(f"wished_{layer}")
        both = felt is not None and wished is not None
        gap = ReviewAnswer.gap_text(wished - felt if both else None)
        ratings.append((label, felt or "\u2014", wished or "\u2014", gap))
    return {
        "questions": [
            (label, answer.get(name) or "", name in more_time)
            for name, label in QUESTION_LABELS.items()
        ],
        "more_time": [QUESTION_SHORT[n] for n in QUESTION_SHORT if n in more_time],
        "repair": repair,
        "ratings": ratings,
        "shared_at": _when(answer.get("submitted_at")),
    }


def _couple(couple: dict[str, Any]) -> dict[str, Any]:
    partners = couple["partners"]
    rhythm = couple["rhythm"]
    if rhythm:
        day = Rhythm.Weekday(rhythm["weekday"]).label
        rhythm = (
            f"{day}s at {_clock(rhythm['local_time'])}, for {rhythm['duration_minutes']} "
            f"minutes ({rhythm['time_zone']})"
        )
    return {
        "with": partners[1] if len(partners) > 1 else "",
        "status": _label(Couple.Status, couple["status"]),
        "ended": couple["status"] == Couple.Status.ENDED,
        "created_at": _when(couple["created_at"]),
        "paired_at": _when(couple["paired_at"]),
        "ended_at": _when(couple["ended_at"]),
        "rhythm": rhythm,
        "moved_weeks": [
            (_day(m["week_start"]), _when(m["starts_at"])) for m in couple["moved_weeks"]
        ],
        "reviews": [
            {
                "week": _day(r["week_start"]),
                "focus": _label(Habit, r["focus_habit"]),
                "yours": _answer(r["your_answer"]),
                "theirs": _answer(r["partner_answer"]),
            }
            for r in couple["reviews"]
        ],
        "topics": [
            {
                "text": t["text"],
                "by": t["by"],
                "parked": _when(t["created_at"]),
                "talked": _when(t["talked_at"]),
            }
            for t in couple["parked_topics"]
        ],
        "prompts": [
            (_label(PromptLog.State, p["state"]), p["prompt"], _when(p["at"]))
            for p in couple["prompts"]
        ],
        "followed_sets": [(f["set"], _when(f["followed_at"])) for f in couple["followed_sets"]],
        "set_offers": [
            (o["set"], _label(SetOffer.Status, o["status"]), _when(o["at"]))
            for o in couple["set_offers"]
        ],
        "coach_links": [
            {
                "coach": link["coach"] or "A coach who never took up the invitation",
                "status": _label(CoachLink.Status, link["status"]),
                "could_see": [
                    what
                    for what, on in (
                        ("engagement counts", link["share_engagement"]),
                        ("weekly-review summaries", link["share_reviews"]),
                    )
                    if on
                ],
            }
            for link in couple["coach_links"]
        ],
        "coach_accesses": [
            (_when(a["at"]), a["coach"] or "A coach who has since left", a["what"])
            for a in couple["coach_accesses"]
        ],
    }


def export_page(data: dict[str, Any]) -> dict[str, Any]:
    """Everything on the page, from the export: its words, and moments as datetimes."""
    you = data["you"]
    prefs = data["nudges"]["settings"]
    return {
        "exported_at": _when(data["exported_at"]),
        "time_zone": data["time_zone"],
        "you": {
            "name": you["display_name"],
            "email": you["email"],
            "emails": you["email_addresses"],
            "time_zone": you["time_zone"],
            "joined": _when(you["date_joined"]),
            "calendar": you["calendar_address_made"],
            "two_factor": [
                (TWO_FACTOR.get(a["type"], a["type"]), _when(a["created_at"]))
                for a in you["two_factor"]
            ],
        },
        "checkins": [
            {
                "day": _day(c["local_date"]),
                "weather": c["weather_name"],
                "energy": c["energy"],
                "needs": ", ".join(c["need_names"]),
                "tags": ", ".join(_label(Tag, t) for t in c["tags"]),
                "note": c["note_to_partner"],
                "private_note": c["private_note"],
                "shared": c["shared"],
                "reactions": ", ".join(
                    _label(ReactionKind, kind) for kind in c["reactions_received"]
                ),
            }
            for c in data["checkins"]
        ],
        "reactions_you_gave": [
            (_label(ReactionKind, r["kind"]), _day(r["on"])) for r in data["reactions_you_gave"]
        ],
        "couples": [_couple(couple) for couple in data["couples"]],
        "nudges": {
            "settings": {
                "by_email": prefs["by_email"],
                "in_app": prefs["in_app"],
                "quiet": f"{_clock(prefs['quiet_start'])} to {_clock(prefs['quiet_end'])}",
                "daily_cap": prefs["daily_cap"],
                "paused_until": _day(prefs["paused_until"]),
            }
            if prefs
            else None,
            "habits": [
                {
                    "habit": _label(NudgeHabit, h["habit"]),
                    "at": _clock(h["local_time"]),
                    "on": h["enabled"],
                    "focus_until": _day(h["focus_until"]),
                }
                for h in data["nudges"]["habits"]
            ],
            "sent": [
                {
                    "day": _day(n["local_date"]),
                    "habit": _label(NudgeHabit, n["habit"]),
                    "state": _label(Nudge.State, n["state"]),
                    "held": _label(Nudge.Held, n["held"]),
                    "title": n["title"],
                }
                for n in data["nudges"]["sent"]
            ],
        },
        "coaching": {
            "sets": [
                {
                    "title": s["title"],
                    "status": _label(Status, s["status"]),
                    "visibility": _label(PromptSet.Visibility, s["visibility"]),
                    "prompts": len(s["prompts"]),
                }
                for s in data["coaching"]["sets_you_made"]
            ],
            "prompts": [p["text"] for p in data["coaching"]["prompts_you_wrote"]],
        },
    }
