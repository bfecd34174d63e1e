"""The dashboard's state: the couple, the partner and today's card, in one round trip."""

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection
from django.utils import timezone

from checkins.models import CheckIn, Reaction, Review, Rhythm, RhythmMove, Weather
from checkins.services import SharedCheckIn, is_revealed, shared_view
from intimacy.accounts.models import CoachLink, Couple, Membership, User
from intimacy.accounts.services import partner_name
from prompts.models import SetOffer

from .checkin import ZONE_SPREAD, _other_reaction


@dataclass
class TodayCard:
    today: dt.date
    mine: CheckIn | None = None
    partner: User | None = None
    partner_checked_in: bool = False
    partner_checkin: SharedCheckIn | None = None
    # The partner's reaction to my check-in (and who: a reaction from before a couple ended
    # is from a former partner, never the current one), and mine to theirs.
    reaction_to_mine: str | None = None
    reaction_to_mine_by: str = ""
    my_reaction: str | None = None
    # My check-in of today was made before this couple was paired, so it opens nothing.
    mine_unshared: bool = False
    # Either partner's weather today is stormy (revealed or not): today's prompt stays light.
    # Never shown as such; only the choice of prompt uses it.
    stormy: bool = False
    # A storm this viewer can see (their own, or their partner's once revealed to them).
    storm_seen: bool = False

    @property
    def reaction_to_mine_label(self) -> str:
        return Reaction.Kind(self.reaction_to_mine).label if self.reaction_to_mine else ""


# A check-in whose day is still going, with the kind and the author of the reaction the other
# partner left on it.
Current = tuple[CheckIn, str | None, int | None]


def _today_card(
    *, user: User, couple: Couple | None, partner: User | None, checkins: list[Current]
) -> TodayCard:
    """The one place the reveal rule meets the dashboard.

    `checkins` are both partners' check-ins whose day is still going, each with the reaction
    the other left on it. Mine shows to me; my partner's shows once I have mine.
    """
    card = TodayCard(today=user.local_today(), partner=partner)
    mine = [entry for entry in checkins if entry[0].author_id == user.pk]
    # Only a check-in shared with this couple opens my partner's: not one from before pairing,
    # nor one shared with a couple that has since ended.
    shared = [c for c, _, _ in mine if partner is not None and couple and c.couple_id == couple.pk]
    card.mine_unshared = partner is not None and bool(mine) and not shared
    theirs = [e for e in checkins if partner is not None and e[0].author_id == partner.pk]
    if mine:
        card.mine, card.reaction_to_mine, by = max(mine, key=lambda entry: entry[0].local_date)
        card.reaction_to_mine_by = partner_name(person_id=by, partner=partner)
    if theirs:
        checkin, reaction, _ = max(theirs, key=lambda entry: entry[0].local_date)
        card.partner_checked_in = True
        card.stormy = checkin.weather == Weather.STORMY
        if is_revealed(checkin=checkin, viewer_has_current=bool(shared)):
            card.partner_checkin = shared_view(checkin=checkin)
            card.my_reaction = reaction
            card.storm_seen = card.stormy
    if card.mine is not None and card.mine.weather == Weather.STORMY:
        card.stormy = card.storm_seen = True
    return card


@dataclass
class DashboardState:
    couple: Couple | None
    partner: User | None
    today: TodayCard
    rhythm: Rhythm | None = None
    # Weeks around now whose review was moved "this week only", with the new start.
    moves: dict[dt.date, dt.datetime] = field(default_factory=dict)
    # Both partners (or just me while pending), for the couple's shared day.
    people: list[User] = field(default_factory=list)
    # Sets a linked coach offered that the couple has not answered yet.
    open_offers: int = 0
    # Coaches linked to the couple now (each partner should know, whoever invited them).
    coaches: int = 0
    # Weeks around now whose review is done (Review.is_done): none of them is next.
    done_weeks: set[dt.date] = field(default_factory=set)


_PERSON_COLUMNS = ["id", "display_name", "time_zone"]
_CHECKIN_COLUMNS = [
    "id",
    "author_id",
    "couple_id",
    "local_date",
    "day_ends_at",
    "weather",
    "energy",
    "needs",
    "tags",
    "note_to_partner",
    "disclosure",
]
_COUPLE_COLUMNS = ["id", "status", "created_at", "paired_at", "ended_at"]
_RHYTHM_COLUMNS = [
    "id",
    "couple_id",
    "weekday",
    "local_time",
    "duration_minutes",
    "time_zone",
    "updated_at",
]
# The raw query skips the ORM's converters: the columns that need one (JSON, decryption).
_CONVERTED = [
    (name, CheckIn._meta.get_field(name))
    for name in _CHECKIN_COLUMNS
    if hasattr(CheckIn._meta.get_field(name), "from_db_value")
]


def _named(table: str, prefix: str, columns: list[str]) -> dict[str, str]:
    """`prefix_column: table.column` for each column."""
    return {f"{prefix}_{column}": f"{table}.{column}" for column in columns}


def _values(row: dict[str, Any], prefix: str, columns: list[str]) -> list[Any]:
    return [row[f"{prefix}_{column}"] for column in columns]


def _aware(row: tuple) -> tuple:
    """SQLite hands raw queries naive UTC datetimes; the ORM would have made them aware."""
    return tuple(
        value.replace(tzinfo=dt.UTC)
        if isinstance(value, dt.datetime) and value.tzinfo is None
        else value
        for value in row
    )


def _date(value: dt.date | str) -> dt.date:
    """SQLite hands an aggregate of dates back as text."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


@cache
def _dashboard_sql() -> tuple[str, list[str]]:
    """The query, and the names of its columns in order (each selected `AS` its name)."""
    membership, user, couple = (m._meta.db_table for m in (Membership, User, Couple))
    checkin, reaction = CheckIn._meta.db_table, Reaction._meta.db_table
    rhythm, move = Rhythm._meta.db_table, RhythmMove._meta.db_table
    offer, link = SetOffer._meta.db_table, CoachLink._meta.db_table
    review = Review._meta.db_table
    # Table and column names come from our own models, never from input. The latest done
    # review is Review.objects.done() (a focus picked) written into this one query.
    columns = {
        **_named("u", "person", _PERSON_COLUMNS),
        **_named("c", "couple", _COUPLE_COLUMNS),
        **_named("rh", "rhythm", _RHYTHM_COLUMNS),
        **_named("ci", "checkin", _CHECKIN_COLUMNS),
        "move_week_start": "rm.week_start",
        "move_starts_at": "rm.starts_at",
        "reaction_kind": "r.kind",
        "reaction_author_id": "r.author_id",
        "open_offers": f"""(SELECT COUNT(*) FROM {offer} so
            JOIN {link} cl ON cl.couple_id = so.couple_id AND cl.coach_id = so.coach_id
                 AND cl.status = '{CoachLink.Status.ACTIVE}'
            WHERE so.couple_id = c.id AND so.status = '{SetOffer.Status.OFFERED}')""",  # noqa: S608
        "coaches": f"""(SELECT COUNT(*) FROM {link} cl JOIN {user} cu ON cu.id = cl.coach_id
            WHERE cl.couple_id = c.id AND cl.status = '{CoachLink.Status.ACTIVE}'
              AND cu.is_coach)""",  # noqa: S608
        "done_week": f"""(SELECT MAX(rv.week_start) FROM {review} rv
            WHERE rv.couple_id = c.id AND rv.focus_habit <> ''
              AND rv.week_start BETWEEN %s AND %s)""",  # noqa: S608
    }
    select = ",\n               ".join(f"{sql} AS {name}" for name, sql in columns.items())
    sql = f"""
        SELECT {select}
        FROM {membership} me
        JOIN {couple} c ON c.id = me.couple_id
        LEFT JOIN {rhythm} rh ON rh.couple_id = c.id
        LEFT JOIN {move} rm ON rm.couple_id = c.id AND rm.week_start BETWEEN %s AND %s
        JOIN {membership} m ON m.couple_id = me.couple_id AND m.is_active
        JOIN {user} u ON u.id = m.user_id
        LEFT JOIN {checkin} ci ON ci.author_id = m.user_id
             AND ci.local_date BETWEEN %s AND %s AND ci.day_ends_at > %s
             -- services.readable() in SQL: mine, or shared with this couple
             AND (ci.author_id = %s OR ci.couple_id = me.couple_id)
        LEFT JOIN {reaction} r ON r.checkin_id = ci.id AND r.author_id <> ci.author_id
        WHERE me.user_id = %s AND me.is_active
    """  # noqa: S608
    return sql, list(columns)


def dashboard_state(*, user: User) -> DashboardState:
    """The couple, the partner and today's card in one round trip: the dashboard's hot path.

    The same scope as Couple.objects.for_user() (active memberships exist only in couples
    that have not ended), written as one query because the dashboard is the page everyone
    opens every day; the reveal rule itself is _today_card's.
    """
    today, now = user.local_today(), timezone.now()
    window = [today - ZONE_SPREAD, today + ZONE_SPREAD, now]
    weeks = [today - dt.timedelta(days=8), today + dt.timedelta(days=8)]
    sql, names = _dashboard_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [*weeks, *weeks, *window, user.pk, user.pk])
        rows = [dict(zip(names, _aware(row), strict=True)) for row in cursor.fetchall()]
    if not rows:
        # No couple: my own check-in is all there is.
        mine = CheckIn.objects.filter(
            author=user, local_date__range=window[:2], day_ends_at__gt=now
        ).annotate(other_reaction=_other_reaction(), other_reaction_by=_other_reaction("author"))
        checkins = [(c, c.other_reaction, c.other_reaction_by) for c in mine]
        card = _today_card(user=user, couple=None, partner=None, checkins=checkins)
        return DashboardState(None, None, card)

    db = connection.alias
    first = rows[0]
    couple = Couple.from_db(db, _COUPLE_COLUMNS, _values(first, "couple", _COUPLE_COLUMNS))
    rhythm = (
        Rhythm.from_db(db, _RHYTHM_COLUMNS, _values(first, "rhythm", _RHYTHM_COLUMNS))
        if first["rhythm_id"]
        else None
    )
    people: dict[int, User] = {}
    checkins: dict[int, list[Current]] = {}
    moves: dict[dt.date, dt.datetime] = {}
    for row in rows:
        user_id = row["person_id"]
        people.setdefault(
            user_id, User.from_db(db, _PERSON_COLUMNS, _values(row, "person", _PERSON_COLUMNS))
        )
        if row["move_week_start"] is not None:
            moves[row["move_week_start"]] = row["move_starts_at"]
        checkin_id = row["checkin_id"]
        if checkin_id is not None and not any(
            c.pk == checkin_id for c, _, _ in checkins.get(user_id, [])
        ):
            values = {name: row[f"checkin_{name}"] for name in _CHECKIN_COLUMNS}
            for name, column in _CONVERTED:
                values[name] = column.from_db_value(values[name], None, connection)
            checkin = CheckIn.from_db(db, _CHECKIN_COLUMNS, list(values.values()))
            entry = (checkin, row["reaction_kind"], row["reaction_author_id"])
            checkins.setdefault(user_id, []).append(entry)
    people[user.pk] = user
    partner = next((p for pk, p in people.items() if pk != user.pk), None)

    current = [entry for entries in checkins.values() for entry in entries]
    card = _today_card(user=user, couple=couple, partner=partner, checkins=current)
    return DashboardState(
        couple,
        partner,
        card,
        rhythm,
        moves,
        list(people.values()),
        open_offers=first["open_offers"],
        coaches=first["coaches"],
        done_weeks={_date(first["done_week"])} if first["done_week"] else set(),
    )
