"""What the preferences page and the inbox show."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from intimacy.accounts.models import User

from .catalogue import CATALOGUE
from .models import Nudge, NudgeRule
from .sending import BACK_OFF_AFTER, BACK_OFF_EVERY_DAYS


@dataclass
class RuleStatus:
    rule: NudgeRule
    next_local: dt.datetime | None
    backing_off: bool
    focus: bool


def rule_statuses(*, user: User) -> list[RuleStatus]:
    today = user.local_today()
    rules = {rule.habit: rule for rule in user.nudge_rules.all()}
    statuses = []
    for key in CATALOGUE:
        rule = rules.get(key)
        if rule is None:
            continue
        statuses.append(
            RuleStatus(
                rule=rule,
                next_local=timezone.localtime(rule.next_due_at, user.zone)
                if rule.next_due_at
                else None,
                backing_off=rule.ignored_in_a_row >= BACK_OFF_AFTER,
                focus=not rule.enabled
                and rule.focus_until is not None
                and today <= rule.focus_until,
            )
        )
    return statuses


BACK_OFF_TEXT = (
    f"You have not opened the last {BACK_OFF_AFTER} of these, so we now send it only every "
    f"{BACK_OFF_EVERY_DAYS} days. Open one, or save this page, to have it daily again."
)


def inbox(*, user: User, limit: int = 50) -> list[Nudge]:
    return list(
        Nudge.objects.filter(user=user, in_app=True, state=Nudge.State.SENT).order_by("-due_at")[
            :limit
        ]
    )


def unread(*, user: User, limit: int = 3) -> list[Nudge]:
    """The dashboard's few newest unread nudges; asked only when the count says there are."""
    if not user.unread_nudges:
        return []
    return list(
        Nudge.objects.filter(user=user, in_app=True, state=Nudge.State.SENT, read_at=None).order_by(
            "-due_at"
        )[:limit]
    )
