"""Rewriting a large table in batches: every row once, each batch committed on its own."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from checkins.models import ParkedTopic
from intimacy.lib.migrations import NotInBatchesError, rewrite_in_batches
from tests.factories import UserFactory, make_couple

ROWS = 23  # five batches of five, the last one short


@pytest.fixture
def topics() -> list[ParkedTopic]:
    alice = UserFactory(email="alice@example.com")
    couple = make_couple(alice, UserFactory(email="bob@example.com"))
    return ParkedTopic.objects.bulk_create(
        ParkedTopic(couple=couple, author=alice, text=f"old wording {n}") for n in range(ROWS)
    )


def to_new_wording(topic: ParkedTopic) -> bool:
    if not topic.text.startswith("old "):
        return False
    topic.text = "new " + topic.text.removeprefix("old ")
    return True


def texts() -> list[str]:
    return list(ParkedTopic.objects.order_by("pk").values_list("text", flat=True))


def stored() -> list[str]:
    """The encrypted values as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {ParkedTopic._meta.db_table} ORDER BY id")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_rows_across_several_batches_are_all_rewritten_and_a_second_run_changes_nothing(topics):
    with CaptureQueriesContext(connection) as first:
        assert (
            rewrite_in_batches(ParkedTopic, fields=["text"], rewrite=to_new_wording, batch_size=5)
            == ROWS
        )
    assert texts() == [f"new wording {n}" for n in range(ROWS)]
    # Five batches and the empty read that ends the walk, each locking what it reads.
    locked_reads = [q for q in first.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locked_reads) == 6
    before = stored()
    assert all(value.startswith("enc1:") for value in before)

    with CaptureQueriesContext(connection) as second:
        assert (
            rewrite_in_batches(ParkedTopic, fields=["text"], rewrite=to_new_wording, batch_size=5)
            == 0
        )
    assert not [q for q in second.captured_queries if q["sql"].startswith("UPDATE")]
    assert stored() == before


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_that_fails_part_way_keeps_its_finished_batches_and_the_next_run_finishes(topics):
    def fails_at_row_12(topic: ParkedTopic) -> bool:
        if topic.pk == topics[12].pk:
            raise RuntimeError("the migration was interrupted")
        return to_new_wording(topic)

    with pytest.raises(RuntimeError, match="interrupted"):
        rewrite_in_batches(ParkedTopic, fields=["text"], rewrite=fails_at_row_12, batch_size=5)
    # Batches 1 and 2 were committed; the third one, where it failed, was rolled back whole.
    assert texts() == [f"new wording {n}" for n in range(10)] + [
        f"old wording {n}" for n in range(10, ROWS)
    ]

    assert (
        rewrite_in_batches(ParkedTopic, fields=["text"], rewrite=to_new_wording, batch_size=5)
        == ROWS - 10
    )
    assert texts() == [f"new wording {n}" for n in range(ROWS)]


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_only_rows_matching_the_filter_are_read(topics):
    wanted = [t.pk for t in topics[::4]]
    seen: list[int] = []

    def record(topic: ParkedTopic) -> bool:
        seen.append(topic.pk)
        return to_new_wording(topic)

    rewritten = rewrite_in_batches(
        ParkedTopic, fields=["text"], rewrite=record, where=Q(pk__in=wanted), batch_size=2
    )
    assert rewritten == len(wanted)
    assert seen == wanted


@pytest.mark.django_db
def test_rewriting_inside_a_transaction_is_refused_with_the_fix(topics):
    with pytest.raises(NotInBatchesError, match="atomic = False"):
        rewrite_in_batches(ParkedTopic, fields=["text"], rewrite=to_new_wording)
    assert texts()[0] == "old wording 0"
