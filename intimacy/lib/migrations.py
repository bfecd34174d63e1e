"""Data migrations that rewrite a large table: in batches, each in a transaction of its own.

A `RunPython` that rewrites every row of a large table in one go holds row locks on all of
them until it ends (the app's writes to that table wait for minutes, or time out), keeps one
transaction open for as long as that (so vacuum cannot clean anything behind it), and if it
dies at 90 % all of it rolls back and starts again. `rewrite_in_batches` walks the table by
primary key instead, `batch_size` rows at a time, and commits after each batch:

- a row is locked only while its own batch is read and written, then it is free again;
- no transaction lasts longer than one batch;
- an interrupted migration loses only the batch it was in: Django records the migration as
  applied only once it has finished, so the next `migrate` runs it again from the start, and
  the batches done already change nothing the second time (`rewrite` says a row needs no
  change, and that row is not written).

How to use it: the migration is declared `atomic = False` (else Django wraps all of it in one
transaction and the batches are one transaction again; the helper refuses to run inside one),
holds nothing but the data step (a schema change in it would be applied again when an
interrupted run is retried, and fail: put the `AddField` in the migration before), and
CHANGELOG.md says that it rewrites a large table, naming it:

    from django.db import migrations
    from django.db.models import Q

    from intimacy.lib.migrations import rewrite_in_batches

    NEW = {"needs": "feelings"}


    def to_new_wording(apps, schema_editor):
        CheckIn = apps.get_model("checkins", "CheckIn")

        def rewrite(checkin) -> bool:
            if checkin.disclosure not in NEW:
                return False
            checkin.disclosure = NEW[checkin.disclosure]
            return True

        rewrite_in_batches(
            CheckIn, fields=["disclosure"], rewrite=rewrite, where=Q(disclosure__in=NEW)
        )


    class Migration(migrations.Migration):
        atomic = False
        dependencies = [("checkins", "0007_checkin_disclosure_choices")]
        operations = [migrations.RunPython(to_new_wording, migrations.RunPython.noop)]

`rewrite(row)` changes the row in place and returns whether it changed anything; it must be
idempotent (run on a row it already rewrote, it returns False). Only `fields` (and `read`)
are loaded: list in `read` every other field `rewrite` looks at. Rows the old release writes
while the migration runs, after their batch, are not seen: the new code must read both forms,
or run the migration's function again after the deploy (it is idempotent).
"""

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, models, transaction

BATCH_SIZE = 2000
# One progress line per this many batches (100,000 rows at the default size).
LOG_EVERY = 50

M = TypeVar("M", bound=models.Model)
logger = logging.getLogger(__name__)


class NotInBatchesError(RuntimeError):
    """The helper was called inside a transaction: its batches would not be committed apart."""


def rewrite_in_batches(
    model: type[M],
    *,
    fields: Sequence[str],
    rewrite: Callable[[M], bool],
    where: models.Q | None = None,
    read: Sequence[str] = (),
    batch_size: int = BATCH_SIZE,
    using: str = DEFAULT_DB_ALIAS,
) -> int:
    """Rewrite `fields` of every row of `model` (those matching `where`) in primary-key order,
    `batch_size` rows per transaction, and return how many rows were written."""
    if transaction.get_connection(using).in_atomic_block:
        raise NotInBatchesError(
            f"rewrite_in_batches({model._meta.label}) was called inside a transaction, so its "
            "batches would all be one transaction: declare the migration `atomic = False`."
        )
    rows = model._default_manager.db_manager(using).all()
    if where is not None:
        rows = rows.filter(where)
    rows = rows.only("pk", *fields, *read).order_by("pk")
    last_pk = None
    seen = written = batches = 0
    while True:
        with transaction.atomic(using=using):
            page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
            # Locked while they are read and written: an edit made meanwhile waits for the
            # batch and is then applied to the rewritten row, never overwritten by it.
            batch = list(page.select_for_update()[:batch_size])
            if not batch:
                break
            changed = [row for row in batch if rewrite(row)]
            if changed:
                model._default_manager.db_manager(using).bulk_update(changed, fields)
        last_pk = batch[-1].pk
        seen, written, batches = seen + len(batch), written + len(changed), batches + 1
        if batches % LOG_EVERY == 0:
            logger.info("%s: %d rows read, %d rewritten", model._meta.label, seen, written)
    logger.info("%s: done, %d rows read, %d rewritten", model._meta.label, seen, written)
    return written
