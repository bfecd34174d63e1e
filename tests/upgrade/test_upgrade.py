"""Upgrades: deploying the current code onto the previous release's database loses and changes
no row, and leaves the data usable.

The previous release is the newest one CHANGELOG.md names whose code is not HEAD's
(releases.previous_release). Its tree comes out of git history, and its own code, with the
dependencies it locked, builds a database of its own on the test's PostgreSQL server:
`migrate`, `loadprompts`, `demo` (three couples, three months) and seed.py for every other
table. Every row of every table is read from the database's catalogue; the current code's
`migrate` runs; every row is read again and compared, value by value as PostgreSQL writes it.
"""

import difflib
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from . import releases
from .database import (
    Difference,
    Snapshot,
    database_url,
    differences,
    row_counts,
    scratch_database,
    snapshot,
)
from .releases import BASE_DIR, CHANGELOG, Release, app_env, manage, run_manage


@dataclass(frozen=True)
class Allowed:
    """A deliberate change to the previous release's rows, declared with its reason."""

    table: str
    # None: the table as a whole (rows lost or added, the table gone); else that column's
    # values may change, or the column go.
    column: str | None
    # "app_label.0007_name": the migration that makes the change. Once a release holds it, the
    # entry is stale and the test says so.
    migration: str
    why: str


# Every change a migration since the previous release makes to that release's rows, each with
# its migration and why; anything else the upgrade changes fails the test. Empty: no migration
# since the previous release changes a row. For example:
#   Allowed("checkins_checkin", "disclosure", "checkins.0007_disclosure_levels",
#           "'needs' is now called 'feelings'; the same choice under its new name"),
ALLOWED_CHANGES: list[Allowed] = []

# Django's bookkeeping: migrate adds a row for each new migration, model and permission.
MAY_GROW = {"django_migrations", "django_content_type", "auth_permission"}
# The prompt library that ships with the app: `loadprompts`, the deploy's second step,
# refreshes it in place (new times, the sets' items written again).
LIBRARY = {"prompts_prompt", "prompts_promptset", "prompts_promptsetitem"}
DEMO = ["--couples", "3", "--days", "90"]
SEED = Path(__file__).with_name("seed.py")
MIGRATION = re.compile(r"(^|/)migrations/[^/]+\.py$")
NOT_BATCHED = re.compile(r"^\s*# Not batched: \S", re.MULTILINE)


@pytest.fixture(scope="module")
def release() -> Release:
    try:
        found = releases.previous_release(CHANGELOG.read_text(encoding="utf-8"))
    except (LookupError, releases.ChangelogError) as exc:
        pytest.fail(str(exc), pytrace=False)
    if found is None:
        pytest.skip("CHANGELOG.md names no release whose code differs from HEAD's")
    return found


@pytest.fixture(scope="module")
def old_tree(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return releases.extract(release.commit, tmp_path_factory.mktemp("release") / "tree")


def migration_files(root: Path, paths: list[str]) -> dict[str, bytes]:
    # A file deleted in the checkout but still in git's index is gone, as far as migrate knows.
    found = [p for p in sorted(paths) if MIGRATION.search(p) and (root / p).is_file()]
    return {p: (root / p).read_bytes() for p in found}


def old_migrations(tree: Path) -> dict[str, bytes]:
    return migration_files(tree, [str(p.relative_to(tree)) for p in tree.rglob("*.py")])


def current_migrations() -> dict[str, bytes]:
    """The checkout's migration files, those not committed yet included."""
    listed = releases.git("ls-files", "--cached", "--others", "--exclude-standard", "*.py")
    return migration_files(BASE_DIR, listed.stdout.splitlines())


@dataclass
class Upgrade:
    release: Release
    python: str
    before: Snapshot
    after: Snapshot
    deployed: Snapshot
    # The current code's check of the upgraded data, asserted in a test of its own.
    usable: subprocess.CompletedProcess[str]
    seconds: dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module")
def upgrade(
    release: Release, old_tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Upgrade]:
    seconds: dict[str, float] = {}
    start = time.monotonic()
    with scratch_database("upgrade") as dbname:
        env = app_env(database_url=database_url(dbname))
        python, how = releases.python_for(old_tree, tmp_path_factory.mktemp("venv") / "venv")
        # The release's own seed.py was written for its code; one from before the file existed
        # (0.1.0) gets the current one.
        seed = old_tree / "tests/upgrade/seed.py"
        seed = seed if seed.exists() else SEED
        manage(python, old_tree, "migrate", "--noinput", env=env)
        manage(python, old_tree, "loadprompts", env=env)
        manage(python, old_tree, "demo", *DEMO, env=env)
        run_seed = f"import runpy; runpy.run_path({str(seed)!r})['seed']()"
        manage(python, old_tree, "shell", "--no-imports", "-c", run_seed, env=env)
        seconds["previous release"] = time.monotonic() - start

        before = snapshot(dbname)
        mark = time.monotonic()
        manage(sys.executable, BASE_DIR, "migrate", "--noinput", env=env)
        seconds["migrate"] = time.monotonic() - mark
        after = snapshot(dbname)
        # The rest of the deploy (docker-compose.yml's migrate service), then the current
        # code uses the data: test settings only for their cache in memory, so nothing of
        # this lands in the checkout's data/ folder that a development server shares.
        manage(sys.executable, BASE_DIR, "loadprompts", env=env)
        deployed = snapshot(dbname)
        usable = run_manage(
            sys.executable,
            BASE_DIR,
            "shell",
            "--no-imports",
            "-c",
            "from tests.upgrade.usable import check; check()",
            env={**env, "DJANGO_SETTINGS_MODULE": "intimacy.settings.test"},
        )
        seconds["total"] = time.monotonic() - start
        yield Upgrade(release, how, before, after, deployed, usable, seconds)


def undeclared(found: list[Difference]) -> list[Difference]:
    """The differences no entry of ALLOWED_CHANGES declares."""
    allowed = {(a.table, a.column) for a in ALLOWED_CHANGES}
    return [
        d for d in found if (d.table, d.column) not in allowed and (d.table, None) not in allowed
    ]


@pytest.mark.needs_postgres
def test_every_row_of_the_previous_release_survives_the_upgrade_unchanged(upgrade, capsys):
    found = differences(upgrade.before, upgrade.after, may_grow=MAY_GROW)
    changed = undeclared(found)
    assert not changed, (
        f"Upgrading from {upgrade.release} changed rows of its database:\n"
        + "\n".join(f"  {d}" for d in changed)
        + "\nIf a change is deliberate, declare it in ALLOWED_CHANGES in "
        "tests/upgrade/test_upgrade.py with its migration and why."
    )
    rows = sum(row_counts(upgrade.before).values())
    values = sum(len(t.rows) * len(t.columns) for t in upgrade.before.values())
    s = upgrade.seconds
    with capsys.disabled():
        print(
            f"\nupgrade from {upgrade.release}: {len(upgrade.before)} tables, {rows:,} rows "
            f"({values:,} values) compared, none lost or changed"
            f"{f' but the {len(found)} declared' if found else ''}; {s['total']:.1f} s "
            f"(previous release built in {s['previous release']:.1f} s with "
            f"{upgrade.python}, migrate {s['migrate']:.1f} s)"
        )


@pytest.mark.needs_postgres
def test_every_table_of_the_previous_release_had_rows_to_compare(upgrade):
    empty = [name for name, n in row_counts(upgrade.before).items() if n == 0]
    assert empty == [], (
        f"These tables of {upgrade.release} were empty, so their upgrade was not checked: "
        f"{empty}. Fill them in tests/upgrade/seed.py."
    )


@pytest.mark.needs_postgres
def test_the_previous_release_migration_history_is_a_prefix_of_the_new_one(upgrade):
    old = list(upgrade.before["django_migrations"].rows.values())
    new = list(upgrade.after["django_migrations"].rows.values())
    assert len(new) >= len(old), f"django_migrations lost rows: {len(old)} before, {len(new)} after"
    differ = [
        (n, was, now)
        for n, (was, now) in enumerate(zip(old, new[: len(old)], strict=True))
        if was != now
    ]
    assert differ == [], (
        f"django_migrations after the upgrade does not begin with {upgrade.release}'s "
        f"{len(old)} rows: at row {differ[0][0] + 1}, {differ[0][1]} is now {differ[0][2]}"
    )


@pytest.mark.needs_postgres
def test_the_rest_of_the_deploy_keeps_every_row_outside_the_shipped_library(upgrade):
    """`loadprompts` runs on every deploy: it may refresh the library, never touch anyone's
    rows (a couple's followed sets, logs, today's prompt, a coach's own prompts and sets)."""
    outside = {name: t for name, t in upgrade.after.items() if name not in LIBRARY}
    changed = differences(outside, upgrade.deployed, may_grow=MAY_GROW)
    assert changed == [], "\n".join(
        ["`loadprompts` after the upgrade changed rows:", *(f"  {d}" for d in changed)]
    )


@pytest.mark.needs_postgres
def test_the_upgraded_data_is_usable_by_the_current_code(upgrade, capsys):
    result = upgrade.usable
    assert result.returncode == 0, (
        "The current code could not use the upgraded data (tests/upgrade/usable.py); the "
        "end of its traceback:\n" + "\n".join(result.stderr.splitlines()[-12:])
    )
    with capsys.disabled():
        print(f"\n{result.stdout.strip()}")


def test_no_migration_file_of_the_previous_release_was_edited_or_removed(release, old_tree):
    old, current = old_migrations(old_tree), current_migrations()
    assert old, f"no migration files found in {release}"
    problems = []
    for path, text in old.items():
        if path not in current:
            problems.append(f"{path} is gone")
        elif current[path] != text:
            diff = difflib.unified_diff(
                text.decode().splitlines(), current[path].decode().splitlines(), lineterm="", n=1
            )
            problems.append(f"{path} was edited:\n    " + "\n    ".join(list(diff)[2:22]))
    assert problems == [], (
        f"Migrations of {release} changed. A deployed database has applied them already and "
        "never runs them again: put the change in a new migration.\n" + "\n".join(problems)
    )


def test_new_data_migrations_rewrite_in_batches_or_say_why_not(release, old_tree):
    new = {
        p: t.decode() for p, t in current_migrations().items() if p not in old_migrations(old_tree)
    }
    problems = []
    for path, text in new.items():
        if "RunPython" not in text:
            continue
        if "rewrite_in_batches" in text:
            if not re.search(r"^\s*atomic = False", text, re.MULTILINE):
                problems.append(f"{path} rewrites in batches but is not declared `atomic = False`")
            if Path(path).stem not in release.notes_since:
                problems.append(
                    f"{path} rewrites a large table: say so in CHANGELOG.md (name "
                    f"{Path(path).stem} above {release.version}'s heading)"
                )
        elif not NOT_BATCHED.search(text):
            problems.append(
                f"{path} has a RunPython that does not use intimacy.lib.migrations."
                "rewrite_in_batches: use it, or say why its table stays small in a comment "
                "'# Not batched: <why>'"
            )
    assert problems == [], "\n".join(problems)


def test_every_allowed_change_names_a_migration_new_since_the_previous_release(release, old_tree):
    def names(files: dict[str, bytes]) -> set[str]:
        # The folder holding migrations/ is named after its app's label here.
        return {f"{Path(p).parts[-3]}.{Path(p).stem}" for p in files}

    new = names(current_migrations()) - names(old_migrations(old_tree))
    wrong = [a for a in ALLOWED_CHANGES if a.migration not in new]
    assert wrong == [], (
        f"These entries of ALLOWED_CHANGES name no migration added since {release} (already "
        f"released, so remove the entry; or misspelt): {wrong}"
    )
