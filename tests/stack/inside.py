"""What the stack check asks of the database, run inside the `web` container.

`check_stack.py` sends this file to `manage.py shell -c` with one call appended, as an
operator would run a snippet in the container; the answer comes back as one line of JSON
after `STACK-RESULT `. It seeds people in bulk (signing up a thousand people through the
pages would only measure password hashing) and reads what only the database can tell.
"""

import datetime as dt
import json

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import connection

from checkins.models import CheckIn
from intimacy.accounts.models import User
from intimacy.nudges.load import partners_due
from intimacy.nudges.models import Nudge


def seed_fanout(*, count: int, due_at: str) -> int:
    """`count` paired partners whose morning nudge is due at `due_at` (ISO, UTC)."""
    return partners_due(count=count, due_at=dt.datetime.fromisoformat(due_at))


def seed_people(*, prefix: str, count: int, password: str) -> list[str]:
    """People with a confirmed address who can log in with `password` (one hash for all)."""
    hashed = make_password(password)
    users = User.objects.bulk_create(
        User(
            email=f"{prefix}-{i}@people.example.org",
            display_name=f"Person {i}",
            time_zone="UTC",
            password=hashed,
        )
        for i in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    return [user.email for user in users]


def table_counts() -> dict[str, int]:
    """Rows in every table of the database, from its own catalogue."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - catalogue names
            counts[table] = cursor.fetchone()[0]
    return counts


def latest_private_notes(*, emails: list[str]) -> dict[str, str | None]:
    """Each person's newest check-in's private note (decrypted), or None without one."""
    notes: dict[str, str | None] = dict.fromkeys(emails)
    latest = (
        CheckIn.objects.filter(author__email__in=emails)
        .order_by("author_id", "-local_date")
        .distinct("author_id")
        .select_related("author")
    )
    for checkin in latest:
        notes[checkin.author.email] = checkin.private_note
    return notes


def nudge_states(*, domain: str) -> dict[str, int]:
    """How many nudges to people at `domain` are in each state."""
    states: dict[str, int] = {}
    for state in Nudge.objects.filter(user__email__endswith=domain).values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    return states


def answer(value: object) -> None:
    print("STACK-RESULT " + json.dumps(value))
