"""Sending nudges: by email and in the app, after the send-time rules, exactly once per claim.

A send task claims its nudges (pending, or sending past a lease) with a claim id; only the
holder of the claim marks them sent. Emails go out in small chunks over one connection, the
chunk is marked sent and the lease on the rest renewed, so a slow mail server never lets the
sweeper take over nudges still being sent, and a worker killed mid-batch re-sends at most the
one chunk in flight.
"""

import datetime as dt
import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from checkins.selectors.dashboard import dashboard_state
from checkins.selectors.prompt_pace import couple_today, prompt_depth
from intimacy.accounts.models import User
from intimacy.lib.emails import templated_email
from prompts.models import Depth
from prompts.services import daily_prompt, prompt_gentle

from .catalogue import CATALOGUE, NudgeHabit
from .holds import (
    PROMPT_FINISHED,
    Facts,
    facts_for,
    held_reason,
    review_words,
    shared_answers,
)
from .models import MAX_ATTEMPTS, Nudge, NudgeRule, unsubscribe_token

log = logging.getLogger(__name__)

CHUNK = 200


@dataclass
class Sent:
    sent: int = 0
    held: int = 0
    failed: int = 0
    retry: list[int] = field(default_factory=list)


@dataclass
class _Claim:
    id: uuid.UUID
    lease: dt.timedelta

    def renew(self, pks: list[int]) -> None:
        Nudge.objects.filter(pk__in=pks, claimed_by=self.id).update(
            lease_until=timezone.now() + self.lease
        )

    def mine(self, pks: list[int]) -> "Q":
        return Q(pk__in=pks, claimed_by=self.id, state=Nudge.State.SENDING)


def _claim(ids: list[int], now: dt.datetime) -> tuple[_Claim, list[int]]:
    claim = _Claim(uuid.uuid4(), dt.timedelta(seconds=settings.NUDGE_LEASE_SECONDS))
    with transaction.atomic():
        claimed = list(
            Nudge.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, attempts__lt=MAX_ATTEMPTS)
            .filter(
                Q(state=Nudge.State.PENDING) | Q(state=Nudge.State.SENDING, lease_until__lt=now)
            )
            .values_list("pk", flat=True)
        )
        Nudge.objects.filter(pk__in=claimed).update(
            state=Nudge.State.SENDING,
            claimed_by=claim.id,
            lease_until=now + claim.lease,
            attempts=F("attempts") + 1,
        )
    return claim, claimed


def _prompt_words(nudge: Nudge) -> tuple[str, str] | None:
    """Today's prompt, or None when the couple already did or skipped it.

    Don't poke the storm: on a day either partner's weather is stormy the prompt is chosen
    light; a deeper one chosen earlier gives way to a light one, but only for a partner who
    can see the storm (their own, or their partner's once revealed to them): the nudge never
    tells anyone what their partner has not shown them.
    """
    state = dashboard_state(user=nudge.user)
    if state.couple is None:
        return None
    daily = daily_prompt(
        couple=state.couple,
        day=couple_today(state=state),
        max_depth=lambda: prompt_depth(state=state),
    )
    if daily is not None and daily.state in PROMPT_FINISHED:
        return None  # finished since the send's facts were read
    entry = CATALOGUE[nudge.habit]
    if daily is None:
        return (entry.title, "You have met every prompt in your sets: a good day to choose "
                "another set together.")  # fmt: skip
    if state.today.storm_seen and daily.prompt.depth != Depth.LIGHT:
        gentle = prompt_gentle(couple=state.couple)
        if gentle is None:
            return ("Something light today", "Today's prompt can wait until another day.")
        return ("Something light today", f"Today's prompt can wait. A lighter one: {gentle.text}")
    return (entry.title, f"Today's prompt: {daily.prompt.text}")


def _words(nudge: Nudge, facts: Facts, now: dt.datetime) -> tuple[str, str] | None:
    """What the nudge says, or None when there is nothing to say (done already)."""
    if nudge.habit == NudgeHabit.TODAYS_PROMPT:
        return _prompt_words(nudge)
    if nudge.habit == NudgeHabit.WEEKLY_REVIEW:
        return review_words(user=nudge.user, due_at=nudge.due_at, now=now, facts=facts)
    entry = CATALOGUE[nudge.habit]
    return (entry.title, entry.message)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(user: User) -> str:
    return _absolute(reverse("nudges:unsubscribe", args=[unsubscribe_token(user)]))


def _email(nudge: Nudge, title: str, message: str) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(nudge.user)
    return templated_email(
        "nudge",
        to=nudge.user.email,
        context={
            "name": nudge.user.display_name,
            "title": title,
            "message": message,
            "link": _absolute(reverse("nudges:open", args=[nudge.open_token()])),
            "preferences": _absolute(reverse("nudges:preferences")),
            "unsubscribe": unsubscribe,
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def nudges_send(*, ids: list[int], now: dt.datetime | None = None) -> Sent:
    """Send the nudges among `ids` that are still to send, by email and in the app.

    The send-time rules may hold a nudge back instead, with the reason. A nudge that fails
    goes back to pending for the task's retry, or is marked failed after its last attempt.
    """
    now = now or timezone.now()
    claim, claimed = _claim(ids, now)
    if not claimed:
        return Sent()
    nudges = list(
        Nudge.objects.filter(pk__in=claimed).select_related("user", "user__nudge_settings", "rule")
    )
    facts = facts_for(((n.user_id, n.habit, n.local_date) for n in nudges), now=now)
    shared_answers(
        facts, {n.user_id for n in nudges if n.habit == NudgeHabit.WEEKLY_REVIEW}, now=now
    )
    held: dict[str, list[int]] = defaultdict(list)
    ready: list[tuple[Nudge, str, str]] = []
    broken: list[Nudge] = []
    for nudge in nudges:
        try:
            reason = held_reason(
                user=nudge.user,
                prefs=getattr(nudge.user, "nudge_settings", None),
                rule=nudge.rule,
                habit=nudge.habit,
                local_date=nudge.local_date,
                due_at=nudge.due_at,
                at=now,
                facts=facts,
            )
            words = _words(nudge, facts, now) if reason is None else None
        except Exception:
            # One odd nudge must not hold up its batch: it fails alone (and retries).
            log.exception("Nudge %s could not be prepared.", nudge.pk)
            broken.append(nudge)
            continue
        if reason is None and words is None:
            reason = Nudge.Held.DONE
        if reason is not None:
            held[reason].append(nudge.pk)
            continue
        facts.sent_today[(nudge.user_id, nudge.local_date)] += 1
        ready.append((nudge, *words))
    outcome = Sent()
    for reason, pks in held.items():
        outcome.held += Nudge.objects.filter(claim.mine(pks)).update(
            state=Nudge.State.HELD, held=reason, lease_until=None, claimed_by=None
        )
    failed = _deliver(ready, claim=claim, outcome=outcome, now=now) + broken
    _give_back(failed, claim=claim, outcome=outcome)
    return outcome


def _deliver(
    ready: list[tuple[Nudge, str, str]], *, claim: _Claim, outcome: Sent, now: dt.datetime
) -> list[Nudge]:
    """Email what goes by email over one connection, a chunk at a time; mark each chunk sent
    (in-app ones need no delivery). Returns the nudges that could not be sent."""
    failed: list[Nudge] = []
    mail = get_connection()
    opened = unreachable = False
    try:
        for start in range(0, len(ready), CHUNK):
            chunk, sent = ready[start : start + CHUNK], []
            for nudge, title, message in chunk:
                if not nudge.user.nudge_settings.by_email:
                    sent.append((nudge, title, message))
                    continue
                if not opened and not unreachable:
                    try:
                        mail.open()
                        opened = True
                    except Exception as exc:
                        log.warning("Mail server unreachable (%s).", type(exc).__name__)
                        unreachable = True
                if unreachable:
                    failed.append(nudge)
                    continue
                try:
                    mail.send_messages([_email(nudge, title, message)])
                    sent.append((nudge, title, message))
                except Exception as exc:
                    log.warning("Nudge %s not sent (%s); will retry.", nudge.pk, type(exc).__name__)
                    failed.append(nudge)
            outcome.sent += _mark_sent(sent, claim=claim, now=now)
            claim.renew([n.pk for n, *_ in ready[start + CHUNK :]])
    finally:
        if opened:
            try:
                mail.close()
            except Exception:
                log.warning("Closing the mail connection failed.")
    return failed


def _give_back(failed: list[Nudge], *, claim: _Claim, outcome: Sent) -> None:
    pks = [n.pk for n in failed]
    last = [n.pk for n in failed if n.attempts >= MAX_ATTEMPTS]
    outcome.failed += Nudge.objects.filter(claim.mine(last)).update(
        state=Nudge.State.FAILED, lease_until=None, claimed_by=None
    )
    again = [pk for pk in pks if pk not in set(last)]
    Nudge.objects.filter(claim.mine(again)).update(
        state=Nudge.State.PENDING, lease_until=None, claimed_by=None
    )
    outcome.retry = again


def _mark_sent(sent: list[tuple[Nudge, str, str]], *, claim: _Claim, now: dt.datetime) -> int:
    """Mark a delivered chunk sent: one UPDATE per distinct content (nudges of one habit
    mostly say the same), then the back-off counters and the unread counts."""
    if not sent:
        return 0
    groups: dict[tuple, list[int]] = defaultdict(list)
    for nudge, title, message in sent:
        prefs = nudge.user.nudge_settings
        nudge.in_app = prefs.in_app
        key = (
            prefs.by_email,
            prefs.in_app,
            title[:120],
            message[:400],
            CATALOGUE[nudge.habit].opens,
        )
        groups[key].append(nudge.pk)
    marked = 0
    for (by_email, in_app, title, message, opens), pks in groups.items():
        marked += Nudge.objects.filter(claim.mine(pks)).update(
            state=Nudge.State.SENT,
            sent_at=now,
            lease_until=None,
            claimed_by=None,
            by_email=by_email,
            in_app=in_app,
            title=title,
            message=message,
            link=reverse(opens),
        )
    by_day = defaultdict(list)
    for nudge, *_ in sent:
        by_day[nudge.local_date].append(nudge.rule_id)
    for day, rule_ids in by_day.items():
        NudgeRule.objects.filter(pk__in=rule_ids).update(
            ignored_in_a_row=F("ignored_in_a_row") + 1, last_sent_on=day
        )
    by_count = defaultdict(list)
    for user_id, count in Counter(n.user_id for n, *_ in sent if n.in_app).items():
        by_count[count].append(user_id)
    for count, user_ids in by_count.items():
        User.objects.filter(pk__in=user_ids).update(unread_nudges=F("unread_nudges") + count)
    return marked
