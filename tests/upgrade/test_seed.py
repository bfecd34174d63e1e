"""The upgrade test's seed, with the current code: every table ends up with rows, so that the
copy of seed.py this release carries fills its tables when a later release upgrades from it."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from checkins.demo import create_demo_couples

from .seed import seed

pytestmark = pytest.mark.django_db


def test_demo_and_seed_leave_no_table_empty(capsys):
    call_command("loadprompts", stdout=io.StringIO())
    create_demo_couples(couples=2, days=30)
    seed()
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    empty = sorted(table for table, n in counts.items() if n == 0)
    assert empty == [], f"Fill these tables in tests/upgrade/seed.py: {empty}"
    with capsys.disabled():
        print(f"\nupgrade seed: {len(counts)} tables, {sum(counts.values())} rows, none empty")
