"""A PostgreSQL database of the upgrade test's own, and every row in it, read through the
database's own catalogue (never through the models, which are the current code's)."""

import os
import secrets
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg
from django.conf import settings
from psycopg import sql

Values = tuple[str | None, ...]
# Every value as PostgreSQL writes it out as text, in a session set up the same way for both
# snapshots: the exact value (floats included, bytea in hex), whatever Python would make of it.
SESSION = [
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET bytea_output = 'hex'",
    "SET extra_float_digits = 1",
]
TABLES = """
    SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname
"""
COLUMNS = """
    SELECT attname FROM pg_attribute
    WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped ORDER BY attnum
"""
PRIMARY_KEY = """
    SELECT a.attname FROM pg_index i
    CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = %s AND i.indisprimary ORDER BY k.n
"""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    # The primary key's columns (all columns for a table without one).
    key: tuple[str, ...]
    # Key values -> every column's value, in primary-key order.
    rows: dict[Values, Values]


Snapshot = dict[str, Table]


@dataclass(frozen=True)
class Difference:
    table: str
    # None: the table as a whole (gone, rows lost or added).
    column: str | None
    what: str

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{where}: {self.what}"


def server_conninfo(dbname: str) -> str:
    """The test's PostgreSQL server and credentials, for the database `dbname`."""
    db = settings.DATABASES["default"]
    parts = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"]}
    return psycopg.conninfo.make_conninfo(
        dbname=dbname, **{k: str(v) for k, v in parts.items() if v}
    )


def database_url(dbname: str) -> str:
    """The test's DATABASE_URL with another database name, for the app's own processes."""
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{dbname}").geturl()


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new, empty database with a name no one else uses; dropped afterwards."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(server_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(server_conninfo("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def snapshot(dbname: str) -> Snapshot:
    """Every row of every table in the public schema, every column, in primary-key order."""
    tables: Snapshot = {}
    with psycopg.connect(server_conninfo(dbname), autocommit=True) as conn:
        for statement in SESSION:
            conn.execute(statement)
        for oid, name in conn.execute(TABLES).fetchall():
            columns = tuple(row[0] for row in conn.execute(COLUMNS, [oid]))
            key = tuple(row[0] for row in conn.execute(PRIMARY_KEY, [oid])) or columns
            # Ordered by the table's own columns (qualified): a bare name would be the output
            # column, the text, and sort 10 before 9.
            query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in columns),
                sql.Identifier(name),
                sql.SQL(", ").join(sql.Identifier(name, c) for c in key),
            )
            at = [columns.index(c) for c in key]
            rows = {tuple(row[i] for i in at): tuple(row) for row in conn.execute(query)}
            tables[name] = Table(name=name, columns=columns, key=key, rows=rows)
    return tables


def differences(before: Snapshot, after: Snapshot, *, may_grow: set[str]) -> list[Difference]:
    """What happened to the rows of `before` in `after`: tables, columns or rows gone, values
    changed, and rows added (except in the tables of `may_grow`). New tables and new columns
    are not differences."""
    found = []
    for name, old in before.items():
        new = after.get(name)
        if new is None:
            found.append(
                Difference(name, None, f"the table is gone, with its {len(old.rows)} rows")
            )
            continue
        found += [
            Difference(name, c, "the column is gone") for c in old.columns if c not in new.columns
        ]
        if old.key != new.key:
            found.append(Difference(name, None, f"its primary key {old.key} is now {new.key}"))
            continue
        lost = [key for key in old.rows if key not in new.rows]
        if lost:
            found.append(
                Difference(
                    name,
                    None,
                    f"{len(lost)} of {len(old.rows)} rows lost, e.g. {_key(old, lost[0])}",
                )
            )
        kept = [
            (old.columns.index(c), new.columns.index(c), c) for c in old.columns if c in new.columns
        ]
        changed: dict[str, list[tuple[Values, str | None, str | None]]] = defaultdict(list)
        for key, values in old.rows.items():
            now = new.rows.get(key)
            if now is None:
                continue
            for i, j, column in kept:
                if values[i] != now[j]:
                    changed[column].append((key, values[i], now[j]))
        for column, changes in changed.items():
            key, was, is_ = changes[0]
            found.append(
                Difference(
                    name,
                    column,
                    f"{len(changes)} of {len(old.rows)} rows changed, e.g. {_key(old, key)}: "
                    f"{_short(was)} → {_short(is_)}",
                )
            )
        added = [key for key in new.rows if key not in old.rows]
        if added and name not in may_grow:
            found.append(
                Difference(name, None, f"{len(added)} rows added, e.g. {_key(old, added[0])}")
            )
    return found


def _key(table: Table, values: Values) -> str:
    return ", ".join(f"{c}={v}" for c, v in zip(table.key, values, strict=True))


def _short(value: str | None, limit: int = 60) -> str:
    if value is None:
        return "NULL"
    return repr(value if len(value) <= limit else value[:limit] + "…")


def row_counts(tables: Snapshot) -> dict[str, int]:
    return {name: len(table.rows) for name, table in tables.items()}
